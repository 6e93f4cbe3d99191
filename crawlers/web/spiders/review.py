"""The generic review-site spider: paginated review lists of each company."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawlers.web.config import ReviewSite
from crawlers.web.extract import extract_reviews
from crawlers.web.spiders.base import SiteSpider


class ReviewSpider(SiteSpider):
    """Crawls a ``ReviewSite``: every review page from each start page on."""

    kind = "review"
    site: ReviewSite

    def initial_requests(self) -> Iterator[Request]:
        for path in self.site.start_paths:
            yield from self.follow(path, self.parse_reviews)

    def parse_reviews(self, response: Response) -> Iterator[dict[str, Any] | Request]:
        page = self.text_page(response)
        if page is None:
            return
        yield from self.emit(extract_reviews(page, self.site, self.fetch_time()), page.url)
        if next_page := page.css(self.site.next_page).get():
            yield from self.follow(page.urljoin(next_page), self.parse_reviews)
