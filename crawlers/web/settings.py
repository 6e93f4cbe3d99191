"""Scrapy settings for Luister's crawler: polite defaults, then Luister's own settings on top.

The module-level names are the Scrapy project defaults (``scrapy`` tools read them as
a settings module); ``scrapy_settings`` builds what a crawl actually runs with from the
one ``pipeline.settings.Settings`` object.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings as ScrapySettings

from pipeline.settings import Settings

BOT_NAME = "luister"
SPIDER_MODULES: list[str] = []  # spiders are picked from SITES by kind, never discovered

# Politeness: we read other people's sites. robots.txt rules, few requests in flight per
# site, a delay between them that AutoThrottle raises when the site slows down.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %: no clockwork request pattern
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # one request at a time per site on average
COOKIES_ENABLED = False  # public pages only; no sessions
TELNETCONSOLE_ENABLED = False

# Robustness: a page that is slow, huge or loops is skipped (counted by the spider's
# errback); the crawl goes on.
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0  # the max size is the only size that matters to us
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2
HTTPERROR_ALLOWED_CODES: list[int] = []

HTTPCACHE_ENABLED = False  # development only, see crawl.http_cache
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.DummyPolicy"

ITEM_PIPELINES = {"crawlers.web.pipelines.RawPostPipeline": 300}
LOG_LEVEL = "INFO"
# Skipped posts are counted and logged by us at INFO; Scrapy's drop messages stay quiet.
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"


# Scrapy settings keys under which the entry point hands objects it built to the item pipeline.
LUISTER_SETTINGS_KEY = "LUISTER_SETTINGS"
LUISTER_PUBLISHER_KEY = "LUISTER_PUBLISHER"


class Handoff:
    """An object the entry point hands to a Scrapy component through the settings.

    Scrapy deep-copies settings values; a Kafka producer cannot be copied, and must not
    be (there is one per crawl), so copying a handoff gives the same object."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, object]) -> Handoff:
        return self

    def __copy__(self) -> Handoff:
        return self


def scrapy_settings(settings: Settings, publisher: object = None) -> ScrapySettings:
    """The Scrapy settings of a crawl: this module's defaults with Luister's settings applied,
    carrying ``settings`` and the entry point's ``RawPublisher`` for the item pipeline."""
    result = ScrapySettings()
    result.setmodule(__name__, priority="project")
    crawl = settings.crawl
    overrides: dict[str, Any] = {
        "USER_AGENT": settings.sources.user_agent,
        "DOWNLOAD_TIMEOUT": settings.sources.request_timeout_s,
        "DOWNLOAD_DELAY": crawl.download_delay_s,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay_s, 0.1),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "REDIRECT_MAX_TIMES": crawl.max_redirects,
        "RETRY_TIMES": crawl.retry_times,
        "CLOSESPIDER_PAGECOUNT": crawl.max_pages,
        "HTTPCACHE_ENABLED": crawl.http_cache,
        "HTTPCACHE_DIR": str(crawl.http_cache_dir.resolve()),
        "LOG_LEVEL": settings.log_level.upper(),
        LUISTER_SETTINGS_KEY: settings,
        LUISTER_PUBLISHER_KEY: Handoff(publisher),
    }
    result.setdict(overrides, priority="cmdline")
    return result
