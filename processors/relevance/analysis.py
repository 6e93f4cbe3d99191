"""The one text analysis that monitor queries and posts both go through.

The stream (processors/relevance/match.py) and the search engine must agree on
what a query matches. They do because the engine never analyses anything
itself: the indexer stores ``match_fields(post)`` in the document's ``match``
object, text already folded and split into tokens joined by single spaces, and
the engine's ``luister_tokens`` analyzer only splits on whitespace again. Query
values are folded and split here too before they reach either side.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Protocol

# Letters that NFKD does not decompose but a Dutch reader treats as their ASCII
# spelling ("Ørsted" is searched as "orsted", "Straße" as "strasse").
_LETTERS = str.maketrans({
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ı": "i", "þ": "th", "ĳ": "ij",
    "ŀ": "l", "ħ": "h", "ŧ": "t",
})
_WORD = re.compile(r"\w+")

# A run of word characters this long is a blob (base64, a URL slug gone wrong), never a
# word anyone searches for. Dropping it keeps both sides equal: the engine's
# tokenizer would otherwise cut it into pieces (its limit is counted in UTF-16 units)
# and Lucene refuses any term over 32766 UTF-8 bytes. 255 code points are at most
# 510 UTF-16 units, under the tokenizer limit set in pipeline/search/bodies.py.
MAX_TOKEN_CHARS = 255

TEXT_FIELDS = ("text", "title", "author")
"""Fields holding space-joined tokens: terms, phrases, proximity and wildcards on tokens."""
KEYWORD_FIELDS = ("source", "channel", "lang", "mentions", "hashtags")
"""Fields holding whole folded values: a term matches a value exactly."""
DEFAULT_FIELDS = ("text", "title")
"""Where a query word without a field looks."""


class _Author(Protocol):
    handle: str | None
    display_name: str | None


class MatchablePost(Protocol):
    """What match_fields reads: an EnrichedPost (or a RawPost, which has no lang or hashtags)."""

    text: str
    title: str | None
    author: _Author | None
    source: str
    channel: Any
    language: str | None
    mentions: Sequence[str]


def fold(text: str) -> str:
    """Lower case without diacritics, compatibility forms spelled out: 'Café' -> 'cafe', 'ﬁets' -> 'fiets'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.lower().translate(_LETTERS)  # lower again: NFKD can yield capitals ('㎒' -> 'MHz')


def tokens(text: str) -> list[str]:
    """The words of ``text``, folded: runs of Unicode letters, digits and '_'.

    '@bestelbaas_helpt' -> ['bestelbaas_helpt'], 'bol.com' -> ['bol', 'com'],
    'sim-only' -> ['sim', 'only']; emoji and punctuation vanish. Runs longer
    than MAX_TOKEN_CHARS are dropped.
    """
    return [t for t in _WORD.findall(fold(text)) if len(t) <= MAX_TOKEN_CHARS]


def keyword(text: str, field: str) -> str:
    """The comparison form of a keyword field's value: folded, without a leading '@' (mentions) or '#' (hashtags)."""
    value = fold(text.strip())
    if field == "mentions":
        value = value.removeprefix("@")
    elif field == "hashtags":
        value = value.removeprefix("#")
    return value


def match_fields(post: MatchablePost) -> dict[str, Any]:
    """What a post offers to monitor queries; stored as the ``match`` object of its index document.

    Text fields are space-joined tokens (see ``tokens``); keyword fields are
    folded values. The author field is the handle's tokens followed by the
    display name's, so a phrase may run from one into the other.
    """
    author = post.author
    handle = (author.handle or "") if author else ""
    display = (author.display_name or "") if author else ""
    lang = getattr(post, "lang", None) or (post.language or "und").split("-")[0]
    channel = getattr(post.channel, "value", post.channel)
    return {
        "text": " ".join(tokens(post.text)),
        "title": " ".join(tokens(post.title or "")),
        "author": " ".join(tokens(handle) + tokens(display)),
        "source": keyword(post.source, "source"),
        "channel": keyword(str(channel), "channel"),
        "lang": keyword(lang, "lang"),
        "mentions": list(dict.fromkeys(keyword(m, "mentions") for m in post.mentions)),
        "hashtags": list(dict.fromkeys(keyword(h, "hashtags") for h in getattr(post, "hashtags", ()))),
    }
