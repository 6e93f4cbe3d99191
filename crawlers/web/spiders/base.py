"""What the three generic spiders share: site config, fetch time, counting, failures."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawlers.web.config import Site
from crawlers.web.dates import AMSTERDAM
from crawlers.web.outcomes import Skip, SkipReason, stat_key


def classify_failure(failure: Failure) -> SkipReason:
    """The skip reason for a request that failed before its callback ran."""
    if failure.check(HttpError):
        return SkipReason.HTTP_ERROR
    if failure.check(DownloadTimeoutError, TwistedTimeoutError):
        return SkipReason.TIMEOUT
    if failure.check(DownloadCancelledError):
        return SkipReason.TOO_LARGE  # the only cancel we cause: DOWNLOAD_MAXSIZE / DOWNLOAD_WARNSIZE
    if failure.check(IgnoreRequest):
        message = str(failure.value).lower()
        if "robots.txt" in message:
            return SkipReason.ROBOTS
        if "redirect" in message:
            return SkipReason.REDIRECT_LOOP
        if "offsite" in message:
            return SkipReason.OFFSITE
    return SkipReason.FETCH_ERROR


class SiteSpider(scrapy.Spider):
    """Base of the generic spiders. Arguments: ``site`` (a config from ``SITES``),
    ``fetched_at`` (pin the fetch time, for tests and replays; default: the clock),
    ``base_url`` (crawl a copy of the site elsewhere, e.g. a local fixture server)."""

    kind: ClassVar[str]

    def __init__(
        self, site: Site, fetched_at: datetime | None = None, base_url: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=f"{self.kind}-{site.name}", **kwargs)
        self.site = site
        self.pinned_fetched_at = fetched_at
        self.base_url = (base_url or site.base_url).rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self.counts: Counter[str] = Counter()
        self.requested: set[str] = set()

    def fetch_time(self) -> datetime:
        """The fetch time stamped on posts: pinned, or now in Europe/Amsterdam."""
        return self.pinned_fetched_at or datetime.now(AMSTERDAM)

    def url(self, path_or_url: str) -> str:
        """A site path or a URL of the site, moved onto ``base_url`` (the fixture server in
        tests), without fragment. URLs of other hosts stay as they are (and are filtered
        as offsite by Scrapy)."""
        parts = urlsplit(path_or_url)
        base = urlsplit(self.base_url)
        if parts.netloc not in ("", base.netloc, urlsplit(self.site.base_url).netloc):
            return path_or_url
        return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))

    def follow(self, url: str, callback: Any) -> Iterator[Request]:
        """A request for ``url`` unless this crawl asked for it before (then nothing).

        We deduplicate here rather than in Scrapy's dupefilter, and mark requests
        ``dont_filter``, so that a redirect loop runs into REDIRECT_MAX_TIMES and is
        counted as 'redirect_loop' instead of vanishing silently in the dupefilter.
        """
        url = self.url(url)
        if url in self.requested:
            return
        self.requested.add(url)
        yield Request(url, callback=callback, errback=self.on_failure, dont_filter=True)

    def initial_requests(self) -> Iterator[Request]:
        raise NotImplementedError

    async def start(self) -> AsyncIterator[Request]:
        for request in self.initial_requests():
            yield request

    def count(self, name: str, n: int = 1) -> None:
        """Add to a Luister counter (in Scrapy stats when crawling, in ``self.counts`` always)."""
        self.counts[name] += n
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(stat_key(name), n)

    def skip(self, reason: SkipReason, where: str) -> None:
        self.logger.info("skipped %s: %s", reason.value, where)
        self.count(f"skipped/{reason.value}")

    def on_failure(self, failure: Failure) -> None:
        """Errback of every request: count the failure by reason; the crawl goes on."""
        request = getattr(failure, "request", None)
        self.skip(classify_failure(failure), request.url if request is not None else "?")

    def text_page(self, response: Response) -> TextResponse | None:
        """The response as text, or None (counted) when it is not text."""
        self.count("pages")
        if isinstance(response, TextResponse):
            return response
        self.skip(SkipReason.NOT_HTML, response.url)
        return None

    def emit(self, results: Iterable[dict[str, Any] | Skip], where: str) -> Iterator[dict[str, Any]]:
        """Pass items on and count skips. A page that breaks the extractor is logged with
        its traceback and counted as 'parse_error' (its remaining posts are lost); the
        crawl goes on with the next page."""
        try:
            for result in results:
                if isinstance(result, Skip):
                    self.skip(result.reason, result.where)
                else:
                    yield result
        except Exception:
            self.logger.exception("extraction failed: %s", where)
            self.count(f"skipped/{SkipReason.PARSE_ERROR.value}")
