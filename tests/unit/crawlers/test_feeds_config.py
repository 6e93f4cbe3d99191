"""The feeds file: valid files load, invalid ones fail naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.feeds.config import FeedConfigError, load_feeds
from schemas.raw_post import Channel

SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "local" / "sample" / "feeds.yaml"


def test_sample_feeds_file_is_valid():
    feeds = load_feeds(SAMPLE)
    assert len(feeds) == 4 and feeds[0].source == "news.dagbladwest" and feeds[0].interval_s == 600
    assert {f.channel for f in feeds} == {Channel.NEWS, Channel.BLOG, Channel.FORUM}


def test_feeds_key_and_empty_file(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {url: 'https://a.example/rss', source: news.a, channel: news}\n")
    assert [f.source for f in load_feeds(path)] == ["news.a"]
    path.write_text("")
    assert load_feeds(path) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {url: 'https://a.example/rss', source: 'Dagblad West', channel: news}",
         "feed #1 (https://a.example/rss): source: String should match pattern"),
        ("- {url: 'https://a.example/rss', source: news.a, channel: krant}", "feed #1 (https://a.example/rss): channel"),
        ("- {url: 'https://a.example/rss', source: news.a, channel: news}\n- {url: 'ftp://b', source: news.b, channel: news}",
         "feed #2 (ftp://b): url"),
        ("- {url: 'https://a.example/rss', channel: news}", "feed #1 (https://a.example/rss): source: Field required"),
        ("- {url: 'https://a.example/rss', source: news.a, channel: news, interval_s: 0}", "interval_s"),
        ("- {url: 'https://a.example/rss', source: news.a, channel: news, intervall: 5}", "intervall: Extra inputs"),
        ("- {url: 'https://a.example/rss', source: news.a, channel: news}\n"
         "- {url: 'https://a.example/rss', source: news.b, channel: news}", "feed #2 (https://a.example/rss): same url as feed #1"),
        ("- https://a.example/rss", "feed #1: expected a mapping"),
        ("url: https://a.example/rss", "expected a list of feeds"),
        ("- {url: [", "not valid YAML"),
    ],
    ids=["source", "channel", "url", "missing", "interval", "typo", "duplicate", "bare-url", "not-a-list", "yaml"],
)
def test_invalid_feeds_file_names_file_and_entry(tmp_path, text, message):
    path = tmp_path / "feeds.yaml"
    path.write_text(text)
    with pytest.raises(FeedConfigError) as info:
        load_feeds(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(FeedConfigError, match="cannot read"):
        load_feeds(tmp_path / "nergens.yaml")
