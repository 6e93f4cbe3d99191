"""Item validation, the emitted-ids store, failure classification and Scrapy settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.web.outcomes import SkipReason
from crawlers.web.pipelines import to_raw_post
from crawlers.web.settings import LUISTER_PUBLISHER_KEY, LUISTER_SETTINGS_KEY, scrapy_settings
from crawlers.web.spiders.base import classify_failure
from crawlers.web.state import EmittedStore
from pipeline.settings import Settings
from schemas import RawPost

VALID = {
    "source": "forum.prikbord",
    "external_id": "70011",
    "channel": "forum",
    "text": "Geen bereik in Eindhoven.",
    "published_at": "2026-11-07T08:12:00+01:00",
    "fetched_at": "2026-11-25T10:00:00+01:00",
}


def test_valid_item_becomes_raw_post() -> None:
    post = to_raw_post(VALID)
    assert isinstance(post, RawPost) and post.post_id == "forum.prikbord:70011"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": None}, "text"),
        ({"channel": "postduif"}, "channel"),
        ({"published_at": "2026-11-07T08:12:00"}, "published_at"),
        ({"external_id": ""}, "external_id"),
        ({"rating": 14}, "rating"),
    ],
)
def test_invalid_item_gives_reason(change: dict, field: str) -> None:
    reason = to_raw_post(VALID | change)
    assert isinstance(reason, str) and field in reason


def test_emitted_store_persists(tmp_path: Path) -> None:
    with EmittedStore.for_site(tmp_path, "prikbord") as store:
        assert "forum.prikbord:1" not in store
        store.record(["forum.prikbord:1", "forum.prikbord:2", "forum.prikbord:1"])
    assert (tmp_path / "web" / "prikbord" / "emitted.sqlite3").is_file()
    with EmittedStore.for_site(tmp_path, "prikbord") as store:
        assert "forum.prikbord:1" in store and len(store) == 2
    with EmittedStore.for_site(tmp_path, "dagkrant") as other:
        assert len(other) == 0


def _failure(exc: Exception) -> Failure:
    try:
        raise exc
    except Exception:
        return Failure()


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), SkipReason.ROBOTS),
        (IgnoreRequest("max redirections reached"), SkipReason.REDIRECT_LOOP),
        (IgnoreRequest("Filtered offsite request to 'elders.test'"), SkipReason.OFFSITE),
        (DownloadTimeoutError("took longer than 20 seconds"), SkipReason.TIMEOUT),
        (DownloadCancelledError("larger than download max size"), SkipReason.TOO_LARGE),
        (HttpError(Response("https://x.test/", status=404), "404"), SkipReason.HTTP_ERROR),
        (ConnectionRefusedError(), SkipReason.FETCH_ERROR),
    ],
)
def test_failures_are_classified(exc: Exception, reason: SkipReason) -> None:
    assert classify_failure(_failure(exc)) == reason


def test_scrapy_settings_are_polite_and_follow_luister_settings() -> None:
    settings = Settings()
    settings.crawl.max_page_bytes = 123_456
    result = scrapy_settings(settings)
    assert result.getbool("ROBOTSTXT_OBEY") and result.getbool("AUTOTHROTTLE_ENABLED")
    assert result.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 4
    assert result["USER_AGENT"] == settings.sources.user_agent
    assert result.getint("DOWNLOAD_MAXSIZE") == 123_456
    assert result.getfloat("DOWNLOAD_TIMEOUT") == settings.sources.request_timeout_s
    assert not result.getbool("HTTPCACHE_ENABLED")
    assert result[LUISTER_SETTINGS_KEY] is settings


def test_publisher_survives_scrapy_copying_settings() -> None:
    publisher = object()  # stands in for the RawPublisher, which cannot be deep-copied
    result = scrapy_settings(Settings(), publisher).copy()
    assert result[LUISTER_PUBLISHER_KEY].value is publisher
    assert Request("https://x.test/").dont_filter is False  # Scrapy default; our spiders dedupe themselves


def test_spider_moves_site_urls_onto_base_url_and_leaves_other_hosts() -> None:
    from crawlers.web.sites import SITES
    from crawlers.web.spiders import SPIDERS

    spider = SPIDERS["news"](site=SITES["dagkrant"], base_url="http://127.0.0.1:8000/")
    assert spider.url("https://www.dagkrant.test/nieuws/a.html#reacties") == "http://127.0.0.1:8000/nieuws/a.html"
    assert spider.url("/nieuws/rss.xml?p=2") == "http://127.0.0.1:8000/nieuws/rss.xml?p=2"
    assert spider.url("https://elders.test/nieuws/a.html") == "https://elders.test/nieuws/a.html"
    assert [r.url for r in spider.follow("/x", spider.parse_article)] == ["http://127.0.0.1:8000/x"]
    assert list(spider.follow("http://127.0.0.1:8000/x", spider.parse_article)) == []  # asked before
