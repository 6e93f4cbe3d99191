"""Stage 'normalize': clean text, pull out mentions, hashtags and links, detect
the language, and compute the content fingerprint that copy detection uses.

Pure: the language detector is passed in (built once by the worker), the
clock is not read.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import ftfy
import lxml.html

STAGE = "normalize"

# Query parameters that identify a campaign or a click, never the content.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "yclid", "_hsenc", "_hsmi",
    "ref", "ref_src", "ref_url", "s", "si", "spm", "cmpid", "ocid", "xtor",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

_BLOCKS = ("p", "div", "br", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre")
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,30})\b")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w{1,100})", re.UNICODE)
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)
_RETWEET = re.compile(r"^\s*RT\s+@\w+:?\s*", re.IGNORECASE)


class LanguageGuesser(Protocol):
    """What normalize needs from a language detector: (ISO 639-1 code, confidence) or None."""

    def guess(self, text: str) -> tuple[str, float] | None: ...


@dataclass(frozen=True)
class Normalized:
    """What normalize learned about one post's text."""

    text: str
    lang: str
    mentions: tuple[str, ...]
    hashtags: tuple[str, ...]
    links: tuple[str, ...]
    fingerprint: str


def clean_text(text: str) -> str:
    """Plain, NFC-normalized text: HTML removed, mojibake repaired, whitespace collapsed (lines kept)."""
    if _TAG.search(text):
        root = lxml.html.fromstring(f"<div>{text}</div>")
        for element in root.iter(*_BLOCKS):
            element.tail = "\n" + (element.tail or "")  # a block ends a line, as a browser shows it
        text = root.text_content()
    text = ftfy.fix_text(text, normalization="NFC")
    lines = [_SPACE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def canonical_url(url: str) -> str:
    """The URL without tracking parameters or fragment, scheme and host lower-cased, query sorted."""
    parts = urlsplit(url.strip().rstrip(".,;:!?"))
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    )
    host = (parts.hostname or "").lower()
    if parts.port and not (parts.scheme == "http" and parts.port == 80 or parts.scheme == "https" and parts.port == 443):
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", urlencode(query), ""))


def fold(text: str) -> str:
    """Lower case without diacritics: 'Café' -> 'cafe'. The comparison form of text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def content_words(text: str) -> list[str]:
    """The folded words that make a copy a copy: without the retweet prefix, links,
    mentions, punctuation and emoji. What both the fingerprint and near-duplicate
    detection (processors/dedupe.py) compare."""
    body = _URL.sub(" ", _RETWEET.sub("", text))
    body = _MENTION.sub(" ", body)
    return re.findall(r"\w+", fold(body))


def fingerprint(text: str) -> str:
    """sha1 of the post's content words (see ``content_words``). Equal fingerprints = same content."""
    return hashlib.sha1(" ".join(content_words(text)).encode("utf-8")).hexdigest()


def detect_lang(text: str, hint: str | None, guesser: LanguageGuesser, *, min_confidence: float = 0.5) -> str:
    """ISO 639-1 code ('nl', 'en', ...), 'und' when the text says too little.

    A source's own language tag wins (it may know 'nl-BE'); detection is for
    the many sources that do not say.
    """
    if hint:
        return hint.split("-")[0].lower()
    letters = _URL.sub(" ", _MENTION.sub(" ", _HASHTAG.sub(" ", text)))
    if sum(c.isalpha() for c in letters) < 3:
        return "und"
    guess = guesser.guess(letters)
    if guess is None or guess[1] < min_confidence:
        return "und"
    return guess[0]


def normalize(text: str, title: str | None, hint: str | None, guesser: LanguageGuesser) -> Normalized:
    """Normalize one post's text (and title, which counts for language and fingerprint)."""
    clean = clean_text(text)
    whole = f"{clean_text(title)}\n{clean}" if title else clean
    return Normalized(
        text=clean,
        lang=detect_lang(whole, hint, guesser),
        mentions=tuple(dict.fromkeys(m.lower() for m in _MENTION.findall(clean))),
        hashtags=tuple(dict.fromkeys(fold(h) for h in _HASHTAG.findall(clean))),
        links=tuple(dict.fromkeys(canonical_url(u) for u in _URL.findall(clean))),
        fingerprint=fingerprint(whole),
    )
