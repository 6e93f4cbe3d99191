"""The generic news/blog spider: articles from sitemap.xml and RSS, text by trafilatura."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Request, Response

from crawlers.web.config import NewsSite
from crawlers.web.extract import article_id, extract_article
from crawlers.web.outcomes import SkipReason
from crawlers.web.spiders.base import SiteSpider


class NewsSpider(SiteSpider):
    """Crawls a ``NewsSite``: each article its sitemaps and feeds list, once."""

    kind = "news"
    site: NewsSite

    def initial_requests(self) -> Iterator[Request]:
        paths = (*self.site.sitemap_paths, *self.site.feed_paths)
        for path in paths:
            yield from self.follow(path, self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """A sitemap (``<loc>``, nested sitemap indexes too) or an RSS feed (``<item><link>``)."""
        page = self.text_page(response)
        if page is None:
            return
        xml = Selector(text=page.text, type="xml")
        xml.remove_namespaces()
        for loc in xml.xpath("//sitemap/loc/text()").getall():
            yield from self.follow(loc.strip(), self.parse_listing)
        links = xml.xpath("//url/loc/text()").getall() + xml.xpath("//item/link/text()").getall()
        for link in links:
            url = self.url(link.strip())
            if article_id(url, self.site) is None:
                self.skip(SkipReason.NOT_ARTICLE, url)
                continue
            yield from self.follow(url, self.parse_article)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        page = self.text_page(response)
        if page is None:
            return
        yield from self.emit(extract_article(page, self.site, self.fetch_time()), page.url)
