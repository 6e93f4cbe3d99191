"""Monitor queries, compiled once into a small tree that both matchers share.

``compile_query`` parses Lucene query syntax (luqum) into Term, Phrase,
Wildcard and Bool nodes over the fields of ``analysis.match_fields``. The
stream evaluates the tree here (``Query.matches``); the search engine gets the
same tree translated into its DSL (pipeline/search/bodies.py,
``monitor_query``). Nothing else interprets a query, so a monitor means the
same thing in both places.

Semantics, chosen to be Lucene's (classic query parser, default operator OR):

- Words and phrases are folded and split into tokens like the posts
  (analysis.tokens); a word that splits into several tokens ('bol.com',
  'sim-only') is the phrase of those tokens.
- A field-less word looks in text OR title. Fields: text, title, author
  (token fields) and source, channel, lang, mentions, hashtags (whole values;
  '@' and '#' are optional for mentions and hashtags).
- Inside AND, OR and implicit (space = OR) operations, '+x' is required,
  '-x' and 'NOT x' are excluded, and plain clauses are required under AND
  and optional under OR. A clause list with a required clause ignores its
  optional ones ('+a b' = 'a'), else at least one optional clause must match.
  A list of only excluded clauses matches every post without them
  (Elasticsearch's rule, not Lucene's match-nothing).
- "a b"~N is Lucene's sloppy phrase: token i at position p_i, matched iff
  max(p_i - i) - min(p_i - i) <= N, so swapping two words costs 2.
- 'prov*' and 'te?t' match any one token (a whole value on keyword fields).
- Boosts ('^2') are accepted and ignored: they rank, they do not select.

Refused with ValueError, naming the part: ranges, fuzzy 'word~', regular
expressions, '*' inside a phrase, repeated words in a sloppy phrase, a word
without letters or digits (an emoji), unknown fields, '!', '&&' and '||'.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from processors.relevance.analysis import (
    DEFAULT_FIELDS,
    KEYWORD_FIELDS,
    MAX_TOKEN_CHARS,
    TEXT_FIELDS,
    fold,
    keyword,
    tokens,
)

FIELDS = TEXT_FIELDS + KEYWORD_FIELDS


@dataclass(frozen=True)
class Document:
    """A post's match fields prepared for evaluation: token positions and value sets."""

    positions: Mapping[str, Mapping[str, list[int]]]
    values: Mapping[str, frozenset[str]]

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> Document:
        """Prepare ``analysis.match_fields(post)``. Text fields are split on ' ' exactly as the engine's
        whitespace tokenizer splits the same string, so positions agree."""
        positions: dict[str, dict[str, list[int]]] = {}
        for name in TEXT_FIELDS:
            table: dict[str, list[int]] = {}
            for pos, token in enumerate((fields.get(name) or "").split()):
                table.setdefault(token, []).append(pos)
            positions[name] = table
        values: dict[str, frozenset[str]] = {}
        for name in KEYWORD_FIELDS:
            value = fields.get(name)
            values[name] = frozenset(value if isinstance(value, list | tuple) else [] if value is None else [value])
        return cls(positions, values)


@dataclass(frozen=True)
class Term:
    """One token in a token field, or one whole value in a keyword field."""

    field: str
    value: str

    def matches(self, doc: Document) -> bool:
        if self.field in TEXT_FIELDS:
            return self.value in doc.positions[self.field]
        return self.value in doc.values[self.field]


@dataclass(frozen=True)
class Phrase:
    """Two or more tokens in order; with slop > 0 Lucene's sloppy phrase (tokens then distinct)."""

    field: str
    tokens: tuple[str, ...]
    slop: int = 0

    def matches(self, doc: Document) -> bool:
        table = doc.positions[self.field]
        if not all(t in table for t in self.tokens):
            return False
        lists = [table[t] for t in self.tokens]
        if self.slop == 0:
            rest = [set(p) for p in lists[1:]]
            return any(all(start + i in s for i, s in enumerate(rest, 1)) for start in lists[0])
        return _within(lists, self.slop)


def _within(lists: list[list[int]], slop: int) -> bool:
    """Is there one position per token with max(p_i - i) - min(p_i - i) <= slop?

    The smallest range covering one item of each list: keep one cursor per
    list, always advance the one at the minimum. O(n log k).
    """
    heap = [(positions[0] - i, i, 0) for i, positions in enumerate(lists)]
    heapq.heapify(heap)
    high = max(item[0] for item in heap)
    while True:
        low, i, j = heap[0]
        if high - low <= slop:
            return True
        if j + 1 == len(lists[i]):
            return False
        shifted = lists[i][j + 1] - i
        heapq.heapreplace(heap, (shifted, i, j + 1))
        high = max(high, shifted)


@dataclass(frozen=True)
class Wildcard:
    """A folded pattern ('*' any run, '?' one character) matched against whole tokens or values."""

    field: str
    pattern: str
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in self.pattern)
        object.__setattr__(self, "_regex", re.compile(body, re.DOTALL))

    @property
    def prefix(self) -> str:
        """The literal start of the pattern, before its first wildcard ('' for '*foo')."""
        return re.split(r"[*?]", self.pattern, maxsplit=1)[0]

    def matches(self, doc: Document) -> bool:
        candidates = doc.positions[self.field] if self.field in TEXT_FIELDS else doc.values[self.field]
        fullmatch = self._regex.fullmatch
        return any(fullmatch(c) for c in candidates)


@dataclass(frozen=True)
class Bool:
    """All of ``must``, none of ``must_not`` and, when ``should`` is not empty, at least one of ``should``."""

    must: tuple[Query, ...] = ()
    should: tuple[Query, ...] = ()
    must_not: tuple[Query, ...] = ()

    def matches(self, doc: Document) -> bool:
        return (
            all(q.matches(doc) for q in self.must)
            and (not self.should or any(q.matches(doc) for q in self.should))
            and not any(q.matches(doc) for q in self.must_not)
        )


Query = Term | Phrase | Wildcard | Bool


# Monitors are few and reloaded rarely; the cache saves parsing each query twice
# (once when the file is validated, once when the match index is built).
@lru_cache(maxsize=16_384)
def compile_query(text: str) -> Query:
    """Compile a monitor query. Raises ValueError saying what is wrong and where."""
    if not text.strip():
        raise ValueError("query is empty")
    try:
        parsed = parser.parse(text)
    except ParseError as exc:
        raise ValueError(f"not valid Lucene query syntax: {exc}") from exc
    return _compile(parsed, None)


_OPERATIONS = (tree.AndOperation, tree.OrOperation, tree.UnknownOperation)
_EXCLUDE = (tree.Not, tree.Prohibit)


def _compile(node: tree.Item, field_name: str | None) -> Query:
    if isinstance(node, _OPERATIONS):
        return _operation(node, field_name)
    if isinstance(node, _EXCLUDE):
        return Bool(must_not=(_compile(node.a, field_name),))
    if isinstance(node, tree.Plus):
        return _compile(node.a, field_name)
    if isinstance(node, tree.BaseGroup | tree.Boost):
        return _compile(node.expr, field_name)
    if isinstance(node, tree.SearchField):
        if field_name is not None:
            raise ValueError(f"'{node}': a field inside field '{field_name}'")
        if node.name not in FIELDS:
            raise ValueError(f"unknown field '{node.name}' in '{node}'; fields are: {', '.join(FIELDS)}")
        return _compile(node.expr, node.name)
    if isinstance(node, tree.Word | tree.Phrase | tree.Proximity):
        fields = (field_name,) if field_name else DEFAULT_FIELDS
        leaves = [_leaf(node, f) for f in fields]
        return leaves[0] if len(leaves) == 1 else Bool(should=tuple(leaves))
    raise ValueError(f"'{str(node).strip()}': {_UNSUPPORTED.get(type(node), type(node).__name__ + ' is not supported')}")


_UNSUPPORTED = {
    tree.Fuzzy: "fuzzy matching (word~) is not supported; list the spellings with OR or use a wildcard",
    tree.Regex: "regular expressions are not supported; use a wildcard (prov*)",
    tree.Range: "ranges are not supported",
    tree.From: "ranges are not supported",
    tree.To: "ranges are not supported",
}


def _operation(node: tree.BaseOperation, field_name: str | None) -> Query:
    required = isinstance(node, tree.AndOperation)
    must: list[Query] = []
    should: list[Query] = []
    must_not: list[Query] = []
    for child in node.children:
        if isinstance(child, _EXCLUDE):
            must_not.append(_compile(child.a, field_name))
        elif isinstance(child, tree.Plus):
            must.append(_compile(child.a, field_name))
        else:
            (must if required else should).append(_compile(child, field_name))
    if must:
        should = []  # Lucene: optional clauses next to a required one only rank
    if len(must) + len(should) == 1 and not must_not:
        return (must or should)[0]
    return Bool(_flat(must, "must"), _flat(should, "should"), tuple(dict.fromkeys(must_not)))


def _flat(clauses: list[Query], occur: str) -> tuple[Query, ...]:
    """'(a OR b) OR c' as one list: a Bool child holding only clauses of the same kind merges in (same meaning)."""
    out: list[Query] = []
    for q in clauses:
        if isinstance(q, Bool) and not q.must_not and not (q.should if occur == "must" else q.must):
            out.extend(getattr(q, occur))
        else:
            out.append(q)
    return tuple(dict.fromkeys(out))  # 'x OR x' once


def _leaf(node: tree.Word | tree.Phrase | tree.Proximity, field_name: str) -> Query:
    where = str(node).strip()
    if isinstance(node, tree.Proximity):
        if field_name in KEYWORD_FIELDS:
            raise ValueError(f"'{where}': proximity needs a text field, not '{field_name}'")
        return _phrase(node.term, field_name, int(node.degree), where)
    if isinstance(node, tree.Phrase):
        return _phrase(node, field_name, 0, where)
    if node.value in ("&&", "||") or node.value.startswith("!"):
        raise ValueError(f"'{where}': write AND, OR and NOT as words")
    if node.has_wildcard():
        return _wildcard(node.value, field_name, where)
    if field_name in KEYWORD_FIELDS:
        value = keyword(node.unescaped_value, field_name)
        if not value:
            raise ValueError(f"'{where}': empty value for field '{field_name}'")
        return Term(field_name, value)
    return _tokens_query(node.unescaped_value, field_name, 0, where)


def _phrase(node: tree.Phrase, field_name: str, slop: int, where: str) -> Query:
    inner = node.unescaped_value[1:-1]
    if field_name in KEYWORD_FIELDS:
        value = keyword(inner, field_name)
        if not value:
            raise ValueError(f"'{where}': empty value for field '{field_name}'")
        return Term(field_name, value)
    if "*" in inner:
        raise ValueError(f"'{where}': wildcards do not work inside a phrase; use a word (prov*) or list the words")
    return _tokens_query(inner, field_name, slop, where)


def _tokens_query(text: str, field_name: str, slop: int, where: str) -> Query:
    words = re.findall(r"\w+", fold(text))
    if any(len(w) > MAX_TOKEN_CHARS for w in words):
        raise ValueError(f"'{where[:40]}...': a word longer than {MAX_TOKEN_CHARS} characters never matches")
    found = tokens(text)
    if not found:
        raise ValueError(f"'{where}': no letters or digits to search for")
    if len(found) == 1:
        return Term(field_name, found[0])
    if slop and len(set(found)) < len(found):
        raise ValueError(f"'{where}': a proximity search cannot repeat a word")
    return Phrase(field_name, tuple(found), slop)


def _wildcard(raw: str, field_name: str, where: str) -> Query:
    if "\\" in raw:
        raise ValueError(f"'{where}': escapes are not supported in a wildcard")
    if field_name in KEYWORD_FIELDS:
        return Wildcard(field_name, keyword(raw, field_name))
    pattern = fold(raw).lstrip("@#")
    if not re.fullmatch(r"[\w*?]+", pattern):
        raise ValueError(f"'{where}': a wildcard on '{field_name}' matches one word: use only letters, digits, _, * and ?")
    return Wildcard(field_name, pattern)
