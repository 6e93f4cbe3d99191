"""Which monitors (and competitors) a post matches, without running every query on every post.

Each compiled query (relevance/query.py) is indexed under its *triggers*:
tokens or values one of which any matching post must contain. A post looks
up its own tokens, and only the queries found that way (plus the few that
cannot be indexed, such as 'NOT x' or '*foo') are evaluated. A trigger set
is a necessary condition, never a guess, so the result is exactly that of
evaluating every query (tests/unit/test_match.py checks this).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from processors.relevance.analysis import MatchablePost, match_fields
from processors.relevance.monitors import Monitor
from processors.relevance.query import Document, Phrase, Query, Term, Wildcard, compile_query

# ("term", field, token) — the post has this token (or keyword value);
# ("prefix", field, text) — some token (or value) of the post starts with text.
Trigger = tuple[str, str, str]


@dataclass(frozen=True)
class Matches:
    """The ids of the monitors and of the competitors whose queries a post matches, in file order.

    Competitors are reported whether or not their monitor matched too (share
    of voice counts posts about a competitor alone); ``MonitorIndex.owner``
    maps a competitor id to its monitor. Ids are unique within a monitors file.
    """

    monitors: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()


def triggers(query: Query) -> frozenset[Trigger] | None:
    """Triggers at least one of which every post matching ``query`` has; None when there are none
    (the query must be tried on every post)."""
    if isinstance(query, Term):
        return frozenset({("term", query.field, query.value)})
    if isinstance(query, Phrase):
        return frozenset({("term", query.field, max(query.tokens, key=len))})  # longest: likely the rarest
    if isinstance(query, Wildcard):
        return frozenset({("prefix", query.field, query.prefix)}) if query.prefix else None
    options = [triggers(q) for q in query.must]
    if query.should:
        alternatives = [triggers(q) for q in query.should]
        options.append(None if any(a is None for a in alternatives) else frozenset().union(*alternatives))  # type: ignore[arg-type]
    required = [o for o in options if o is not None]
    return min(required, key=len) if required else None


class MonitorIndex:
    """The monitors' and competitors' queries, compiled and indexed by trigger; built once per monitors file."""

    def __init__(self, monitors: Sequence[Monitor]) -> None:
        # entries in file order: (is_competitor, id, query)
        self._entries: list[tuple[bool, str, Query]] = []
        self.owner: dict[str, str] = {}
        for monitor in monitors:
            self._entries.append((False, monitor.id, compile_query(monitor.query)))
            for competitor in monitor.competitors:
                self._entries.append((True, competitor.id, compile_query(competitor.query)))
                self.owner[competitor.id] = monitor.id
        self._terms: dict[str, dict[str, list[int]]] = {}
        self._prefixes: dict[str, dict[str, list[int]]] = {}
        self._always: list[int] = []
        for n, (_, _, query) in enumerate(self._entries):
            found = triggers(query)
            if found is None:
                self._always.append(n)
                continue
            for kind, field, text in found:
                table = self._terms if kind == "term" else self._prefixes
                table.setdefault(field, {}).setdefault(text, []).append(n)
        self._prefix_lengths = {f: sorted({len(p) for p in table}) for f, table in self._prefixes.items()}

    def match(self, post: MatchablePost) -> Matches:
        """The monitors and competitors ``post`` matches."""
        return self.match_document(Document.from_fields(match_fields(post)))

    def match_document(self, doc: Document, *, prune: bool = True) -> Matches:
        """Matches for a prepared document; ``prune=False`` evaluates every query (the reference result)."""
        numbers = sorted(self._candidates(doc)) if prune else range(len(self._entries))
        monitors: list[str] = []
        competitors: list[str] = []
        for n in numbers:
            is_competitor, ident, query = self._entries[n]
            if query.matches(doc):
                (competitors if is_competitor else monitors).append(ident)
        return Matches(tuple(monitors), tuple(competitors))

    def _candidates(self, doc: Document) -> set[int]:
        found = set(self._always)
        for field, words in (*doc.positions.items(), *doc.values.items()):
            terms = self._terms.get(field)
            if terms:
                for word in words:
                    hit = terms.get(word)
                    if hit:
                        found.update(hit)
            prefixes = self._prefixes.get(field)
            if prefixes:
                lengths = self._prefix_lengths[field]
                for word in words:
                    for length in lengths:
                        if length > len(word):
                            break
                        hit = prefixes.get(word[:length])
                        if hit:
                            found.update(hit)
        return found

    def __len__(self) -> int:
        return len(self._entries)
