"""The generic spiders, one per kind of site; a site config's ``kind`` picks one."""

from __future__ import annotations

from crawlers.web.spiders.base import SiteSpider
from crawlers.web.spiders.forum import ForumSpider
from crawlers.web.spiders.news import NewsSpider
from crawlers.web.spiders.review import ReviewSpider

SPIDERS: dict[str, type[SiteSpider]] = {
    "forum": ForumSpider,
    "review": ReviewSpider,
    "news": NewsSpider,
}
