"""Golden tests: every fixture feed maps to exactly its <name>.expected.jsonl; and the mapping rules.

A new fixture feed without an expected file fails with how to write one:
``.venv/bin/python -m tests.unit.crawlers.test_feeds_mapping NAME`` prints a draft to review.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import pytest

from crawlers.feeds.config import FeedConfig
from crawlers.feeds.mapping import FeedParseError, external_id, html_to_text, map_entry, map_feed, parse_feed
from tests.fixtures.feeds.server import FIXTURES, fixture_files, registry

FETCHED_AT = datetime(2026, 11, 20, 12, 0, 5, tzinfo=UTC)
BASE_URL = "http://127.0.0.1:8080"


def mapped_posts(name: str) -> list[dict]:
    """The fixture's posts as JSON data, fetched_at pinned (raises FeedParseError for broken feeds)."""
    feed = registry()[name]
    parsed = parse_feed(feed.path.read_bytes(), content_type=feed.content_type, url=feed.config(BASE_URL).url)
    return [post.model_dump(mode="json") for post in map_feed(parsed, feed.config(BASE_URL), FETCHED_AT).posts]


@pytest.mark.parametrize("name", fixture_files())
def test_every_fixture_feed_maps_to_its_golden_posts(name):
    feeds = registry()
    assert name in feeds, (
        f"tests/fixtures/feeds/{name}.xml is not in tests/fixtures/feeds/fixtures.yaml: "
        "add it with its source, channel, content_type and expected status"
    )
    feed = feeds[name]
    assert feed.expected_path.exists(), (
        f"{feed.expected_path.relative_to(FIXTURES.parent.parent.parent)} is missing: write the RawPosts this feed "
        f"must give, one JSON per line (draft: .venv/bin/python -m tests.unit.crawlers.test_feeds_mapping {name} "
        f"> {feed.expected_path.name}, then check every field by hand)"
    )
    expected = [json.loads(line) for line in feed.expected_path.read_text(encoding="utf-8").splitlines() if line]
    if feed.status == "parse_error":
        assert expected == [], "a feed that must not parse has an empty expected file"
        with pytest.raises(FeedParseError):
            mapped_posts(name)
    else:
        assert mapped_posts(name) == expected


def test_every_registered_fixture_has_its_file():
    missing = [name for name in registry() if name not in fixture_files()]
    assert not missing, f"fixtures.yaml names feeds without a .xml file: {missing}"


def test_windows_1252_feed_is_decoded_by_its_http_charset():
    # The document declares no encoding; the response's charset is the only one given.
    feed = registry()["vlaamsekrant-cp1252"]
    parsed = parse_feed(feed.path.read_bytes(), content_type=feed.content_type)
    assert parsed.encoding == "windows-1252"
    assert parsed.entries[0]["title"] == "Bestelbaas verlaagt verzendkosten naar €2,95 in België"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Saldo &euro;0?</p><p>Bel Spaarkist.</p>", "Saldo €0?\n\nBel Spaarkist."),
        ("Regel één<br>Regel twee", "Regel één\nRegel twee"),
        ("<ul><li>snel</li><li>goedkoop</li></ul>", "snel\n\ngoedkoop"),
        ("gewoon   tekst\n\n\n\nzonder tags", "gewoon tekst\n\nzonder tags"),
        ("<div><style>p{}</style><b>Golf</b> storing</div>", "Golf storing"),
        ("", ""),
        ("   ", ""),
        ("5 < 6 & 7 > 3", "5 < 6 & 7 > 3"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"id": "gn-1", "link": "https://x.example/a"}, "gn-1"),
        ({"id": "  ", "link": "https://x.example/a"}, "https://x.example/a"),
        ({"title": "Golf storing", "published": "Mon, 09 Nov 2026 17:45:00 GMT"},
         "sha1-" + __import__("hashlib").sha1(b"Golf storing\nMon, 09 Nov 2026 17:45:00 GMT").hexdigest()),
        ({"id": "x" * 600}, "sha1-" + __import__("hashlib").sha1(b"x" * 600).hexdigest()),
    ],
    ids=["id", "link", "hash", "too-long"],
)
def test_external_id(entry, expected):
    assert external_id(entry) == expected


FEED = FeedConfig(url="https://www.dagbladwest.example/rss.xml", source="news.dagbladwest", channel="news")


@pytest.mark.parametrize(
    ("entry", "field", "value"),
    [
        ({"id": "a", "published": "2026-11-12T14:05:00+01:00"}, "published_at", "2026-11-12T14:05:00+01:00"),
        ({"id": "a", "updated": "Thu, 12 Nov 2026 14:05:00 +0100"}, "published_at", "2026-11-12T14:05:00+01:00"),
        ({"id": "a", "published": "gisteren"}, "published_at", "2026-11-20T12:00:05Z"),
        ({"id": "a"}, "published_at", "2026-11-20T12:00:05Z"),
        ({"id": "a", "link": "/artikel/1"}, "url", "https://www.dagbladwest.example/artikel/1"),
        ({"id": "a", "author": "redactie@dagbladwest.example (Pieter Bakker)"}, "author",
         {"id": None, "handle": None, "display_name": "Pieter Bakker", "followers": None}),
        ({"id": "a", "title": "Golf &amp; Straalnet <b>fuseren</b>"}, "title", "Golf & Straalnet fuseren"),
        ({"id": "a", "summary": "x" * 60_000}, "text", "x" * 50_000),
    ],
    ids=["iso", "rfc822-updated", "unreadable-date", "no-date", "relative-link", "rss-author", "title-markup",
         "long-text"],
)
def test_map_entry_fields(entry, field, value):
    post = map_entry(entry, feed=FEED, feed_language=None, fetched_at=FETCHED_AT)
    assert post.model_dump(mode="json")[field] == value


@pytest.mark.parametrize(
    ("declared", "language"),
    [("nl", "nl"), ("nl-nl", "nl-NL"), ("nl_BE", "nl-BE"), ("NL", "nl"), ("Nederlands", None), ("", None)],
)
def test_declared_language(declared, language):
    post = map_entry({"id": "a"}, feed=FEED, feed_language=declared, fetched_at=FETCHED_AT)
    assert post.language == language


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedParseError):
        parse_feed(b"<html><body><h1>Welkom bij Bestelbaas</h1></body></html>", content_type="text/html")


if __name__ == "__main__":  # print a draft expected file for a fixture feed, to review by hand
    for post in mapped_posts(sys.argv[1]):
        print(json.dumps(post, ensure_ascii=False))
