"""The generic forum spider: thread lists -> thread pages (paginated) -> posts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawlers.web.config import ForumSite
from crawlers.web.extract import extract_forum_thread
from crawlers.web.spiders.base import SiteSpider


class ForumSpider(SiteSpider):
    """Crawls a ``ForumSite``: every thread on every list page, every page of every thread."""

    kind = "forum"
    site: ForumSite

    def initial_requests(self) -> Iterator[Request]:
        for path in self.site.start_paths:
            yield from self.follow(path, self.parse_thread_list)

    def parse_thread_list(self, response: Response) -> Iterator[Request]:
        page = self.text_page(response)
        if page is None:
            return
        for href in page.css(self.site.thread_link).getall():
            yield from self.follow(page.urljoin(href), self.parse_thread)
        if next_page := page.css(self.site.list_next_page).get():
            yield from self.follow(page.urljoin(next_page), self.parse_thread_list)

    def parse_thread(self, response: Response) -> Iterator[dict[str, Any] | Request]:
        page = self.text_page(response)
        if page is None:
            return
        yield from self.emit(extract_forum_thread(page, self.site, self.fetch_time()), page.url)
        if next_page := page.css(self.site.thread_next_page).get():
            yield from self.follow(page.urljoin(next_page), self.parse_thread)
