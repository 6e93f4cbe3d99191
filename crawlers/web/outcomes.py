"""The fixed vocabulary of crawl outcomes, used in logs, Scrapy stats and the summary."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

STATS_PREFIX = "luister"


class SkipReason(StrEnum):
    """Why a page or a post did not become a published RawPost."""

    NO_DATE = "no_date"  # a post without a readable date (published_at would be a guess)
    NO_ID = "no_id"  # a post without an id at the site: no stable post_id, no dedupe
    NO_TEXT = "no_text"  # nothing to read (empty post, article trafilatura could not extract)
    PARSE_ERROR = "parse_error"  # the page broke our extraction in an unexpected way
    NOT_ARTICLE = "not_article"  # a sitemap/feed URL that is no article by the site's pattern
    NOT_HTML = "not_html"  # a response that is not text (image, PDF, binary)
    INVALID = "invalid"  # the item failed RawPost validation
    ALREADY_EMITTED = "already_emitted"  # published and confirmed by an earlier crawl
    PUBLISH_FAILED = "publish_failed"  # Kafka did not confirm; retried by the next crawl
    ROBOTS = "robots"  # robots.txt forbids the page
    OFFSITE = "offsite"  # a link to another host than the site's
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"  # bigger than crawl.max_page_bytes
    REDIRECT_LOOP = "redirect_loop"  # more than crawl.max_redirects redirects
    HTTP_ERROR = "http_error"  # 4xx/5xx after retries
    FETCH_ERROR = "fetch_error"  # connection refused, DNS, TLS, cut-off body


@dataclass(frozen=True)
class Skip:
    """A post or page that was left out, and why (returned by extractors next to items)."""

    reason: SkipReason
    where: str


def stat_key(name: str) -> str:
    """The Scrapy stats key of a Luister counter ('luister/pages', 'luister/skipped/no_date')."""
    return f"{STATS_PREFIX}/{name}"
