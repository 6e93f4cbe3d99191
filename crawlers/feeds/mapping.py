"""From feed bytes to RawPosts: parsing and entry mapping, pure (no I/O, no clock).

``parse_feed`` hands the bytes to feedparser together with the response's Content-Type,
so a Windows-1252 or ISO-8859-1 feed decodes by its HTTP charset or XML declaration.
``map_feed`` turns every entry into a RawPost; ``map_entry`` is the per-entry rule:

- external_id: the entry's id/guid, else its link, else a hash of title + published text;
- text: plain text of the entry's content (else its summary), HTML stripped with lxml;
- published_at: the entry's published (else updated) date with its own offset; an entry
  without a date gets the fetch time, so it sorts as "seen now";
- language: the entry's or the feed's declared language, when it is a valid code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin
from xml.sax import SAXException

import feedparser
import lxml.etree
import lxml.html
from pydantic import ValidationError

from crawlers.feeds.config import FeedConfig
from schemas.raw_post import MAX_TEXT_CHARS, Author, RawPost

# Field limits of RawPost; longer values are cut (title) or dropped (url) rather than losing the post.
_MAX_TITLE = 2_000
_MAX_URL = 4_096
_MAX_EXTERNAL_ID = 512

# Elements after which the text continues on a new line: keeps paragraphs apart
# ("Eerste alinea.Tweede alinea." would otherwise glue two sentences together).
_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre tr table section article header footer figure figcaption".split()
)


class FeedParseError(ValueError):
    """Raised by ``parse_feed`` when the bytes are not a well-formed feed (truncated or broken XML,
    an HTML page). The poller reports ``parse_error``, emits nothing and backs off."""


@dataclass
class ParsedFeed:
    """A parsed feed: its declared language and its entries (feedparser dicts, not yet mapped)."""

    url: str | None
    language: str | None
    entries: list[Any] = field(default_factory=list)
    encoding: str | None = None


@dataclass
class MappedFeed:
    """The RawPosts of one fetch, in feed order, one per post_id; ``invalid`` describes entries
    that could not be mapped (each skipped, the rest still published)."""

    posts: list[RawPost] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    repeated: int = 0


def parse_feed(content: bytes, *, content_type: str | None = None, url: str | None = None) -> ParsedFeed:
    """Parse feed bytes. ``content_type`` is the response's Content-Type header (its charset
    decides the decoding when the document does not); ``url`` resolves relative entry links.

    Raises FeedParseError for XML that is not well-formed. feedparser would recover part of
    a truncated feed with its loose parser, but the last entry of a cut-off feed is cut off
    too, and once emitted its id is never emitted again: better nothing now and the whole
    feed on the next poll. Encoding overrides (a charset that disagrees with the document)
    are not errors: feedparser decodes with what works.
    """
    # No Content-Location: feedparser would then resolve RSS guids as relative URLs, and an
    # id that changes with the feed's address re-emits every entry when the feed moves.
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(content, response_headers=headers)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(problem, SAXException):
        raise FeedParseError(f"not well-formed XML: {problem}")
    if not parsed.get("version") and not parsed.entries:
        raise FeedParseError(f"not an RSS or Atom feed{f': {problem}' if problem else ''}")
    return ParsedFeed(
        url=url,
        language=parsed.feed.get("language"),
        entries=list(parsed.entries),
        encoding=parsed.get("encoding"),
    )


def map_feed(parsed: ParsedFeed, feed: FeedConfig, fetched_at: datetime) -> MappedFeed:
    """Map every entry; an entry that repeats (same post_id) in one document is kept once, the first."""
    result = MappedFeed()
    seen: set[str] = set()
    for index, entry in enumerate(parsed.entries):
        try:
            post = map_entry(entry, feed=feed, feed_language=parsed.language, fetched_at=fetched_at,
                             base_url=parsed.url)
        except ValidationError as exc:
            result.invalid.append(f"entry #{index + 1}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
            continue
        if post.post_id in seen:
            result.repeated += 1
            continue
        seen.add(post.post_id)
        result.posts.append(post)
    return result


def map_entry(
    entry: Any, *, feed: FeedConfig, feed_language: str | None, fetched_at: datetime, base_url: str | None = None
) -> RawPost:
    """One feedparser entry as a RawPost. Raises pydantic.ValidationError when the entry
    cannot make a valid post (the caller skips it and counts it as invalid)."""
    title = _clean_line(entry.get("title"))
    link = urljoin(base_url or feed.url, entry["link"].strip()) if entry.get("link") else None
    published = _entry_time(entry) or fetched_at
    author_name = _clean_line(_author_name(entry))
    return RawPost(
        source=feed.source,
        external_id=external_id(entry),
        channel=feed.channel,
        url=link if link and len(link) <= _MAX_URL else None,
        author=Author(display_name=author_name) if author_name else None,
        title=title[:_MAX_TITLE] if title else None,
        text=html_to_text(_entry_html(entry))[:MAX_TEXT_CHARS],
        language=_language(_entry_language(entry) or feed_language),
        published_at=published,
        fetched_at=fetched_at,
    )


def external_id(entry: Any) -> str:
    """The entry's id at the source: id/guid, else link, else a hash of title + published text.
    Ids longer than RawPost allows are replaced by their hash (stable across fetches)."""
    value = (entry.get("id") or "").strip() or (entry.get("link") or "").strip()
    if not value:
        basis = f"{entry.get('title', '')}\n{entry.get('published') or entry.get('updated') or ''}"
        return "sha1-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()
    if len(value) > _MAX_EXTERNAL_ID:
        return "sha1-" + hashlib.sha1(value.encode("utf-8")).hexdigest()
    return value


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (or of plain text): tags dropped, entities decoded,
    blocks on their own lines, runs of spaces collapsed, at most one empty line in a row."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _normalize_space(html)
    for element in root.iter("script", "style"):
        element.drop_tree()
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    return _normalize_space(root.text_content())


def _normalize_space(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _clean_line(value: str | None) -> str | None:
    """A title or name as one plain line (feedparser may leave entities or markup in titles)."""
    if not value:
        return None
    text = " ".join(html_to_text(value).split())
    return text or None


def _author_name(entry: Any) -> str | None:
    """The author's name: RSS writes 'email (Name)', Atom and dc:creator a name. feedparser's
    own split of the RSS form misreads long top-level domains, so we split it here."""
    raw = (entry.get("author") or "").strip()
    if raw.endswith(")") and "(" in raw:
        return raw[raw.rfind("(") + 1 : -1].strip() or None
    return (entry.get("author_detail") or {}).get("name") or raw or None


def _entry_html(entry: Any) -> str:
    # Full content (Atom <content>, RSS content:encoded) beats the summary, which is often a teaser.
    contents: Iterable[Any] = entry.get("content") or []
    for content in contents:
        if content.get("value"):
            return content["value"]
    return entry.get("summary") or ""


def _entry_language(entry: Any) -> str | None:
    for content in entry.get("content") or []:
        if content.get("language"):
            return content["language"]
    detail = entry.get("summary_detail") or {}
    return detail.get("language")


def _language(value: str | None) -> str | None:
    """'nl', 'nl-BE', 'nl_nl' -> a valid RawPost language; anything else -> None (detected later)."""
    if not value:
        return None
    code = value.strip().replace("_", "-")
    primary, _, region = code.partition("-")
    if not (2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha()):
        return None
    if not region:
        return primary.lower()
    if 2 <= len(region) <= 4 and region.isascii() and region.isalpha():
        return f"{primary.lower()}-{region.upper() if len(region) == 2 else region}"
    return None


def _entry_time(entry: Any) -> datetime | None:
    """published, else updated, keeping the offset the feed wrote; feedparser's UTC
    struct_time is the fallback for formats only feedparser understands."""
    for key in ("published", "updated"):
        raw = entry.get(key)
        if raw:
            parsed = _parse_time(raw)
            if parsed is not None:
                return parsed
        struct = entry.get(f"{key}_parsed")
        if struct:
            return datetime(*struct[:6], tzinfo=UTC)
    return None


def _parse_time(raw: str) -> datetime | None:
    raw = raw.strip()
    try:
        value = datetime.fromisoformat(raw)  # RFC 3339 / ISO 8601 (Atom)
    except ValueError:
        try:
            value = parsedate_to_datetime(raw)  # RFC 822 (RSS 2.0)
        except (TypeError, ValueError, IndexError):
            return None
    if value.tzinfo is None:
        return None  # no offset written: let feedparser's interpretation (UTC) decide
    return value
