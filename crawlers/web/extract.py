"""Page -> post items: the parsing behind the generic spiders, as plain functions.

Each extractor takes a Scrapy response, a site config and the fetch time and returns
item dicts (RawPost fields, validated later by the item pipeline) and ``Skip``s. No
network, no Scrapy engine: unit tests feed them saved fixture pages.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

import trafilatura
from parsel import Selector
from scrapy.http import TextResponse

from crawlers.web.config import ForumSite, NewsSite, ReviewSite
from crawlers.web.dates import parse_dutch_date
from crawlers.web.outcomes import Skip, SkipReason
from schemas.raw_post import Channel, make_post_id

Item = dict[str, Any]
Extracted = Iterator[Item | Skip]

_SPACES = re.compile(r"[^\S\n]+")
_BYLINE_WORD = re.compile(r"^(door|by)\s+", re.IGNORECASE)
_BLOCKS = {"p", "div", "br", "li", "blockquote", "h1", "h2", "h3", "h4", "tr", "section", "article"}


def first(sel: Selector, query: str | None) -> str | None:
    """The first string a CSS query yields, whitespace-collapsed; None when empty."""
    if not query:
        return None
    value = sel.css(query).get()
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def element_text(sel: Selector, drop: str | None = None) -> str:
    """The readable text of an element: one line per block, whitespace collapsed,
    with the parts matching the CSS selector ``drop`` (quotes) left out."""
    root = sel.root
    if isinstance(root, str):
        return " ".join(root.split())
    if drop:
        root = copy.deepcopy(root)
        for node in Selector(root=root).css(drop):
            if node.root is not root:
                node.root.drop_tree()
    lines: list[str] = []
    _collect_text(root, lines)
    text = "".join(lines)
    return "\n".join(line for line in (_SPACES.sub(" ", part).strip() for part in text.split("\n")) if line)


def _collect_text(node: Any, out: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else None  # None: an HTML comment or processing instruction
    if tag is None or tag in ("script", "style"):
        if node.tail:
            out.append(node.tail.replace("\n", " "))
        return
    block = tag in _BLOCKS
    if block:
        out.append("\n")
    if node.text:
        out.append(node.text.replace("\n", " "))
    for child in node:
        _collect_text(child, out)
    if block:
        out.append("\n")
    if node.tail:
        out.append(node.tail.replace("\n", " "))


def _date(sel: Selector, query: str | None, fetched_at: datetime) -> datetime | None:
    return parse_dutch_date(first(sel, query), fetched_at)


def _count(sel: Selector, query: str | None) -> int | None:
    value = first(sel, query)
    digits = re.sub(r"\D", "", value or "")
    return int(digits) if digits else None


def _base(site: ForumSite | ReviewSite | NewsSite, fetched_at: datetime) -> Item:
    return {"source": site.source, "language": site.language, "fetched_at": fetched_at}


def page_url(response: TextResponse) -> str:
    """The response URL without its fragment."""
    return urldefrag(response.url)[0]


def extract_forum_thread(response: TextResponse, site: ForumSite, fetched_at: datetime) -> Extracted:
    """Posts of one thread page. Each post replies to the post it quotes (if any) and
    carries the thread id as ``conversation_id`` and the thread title as ``title``."""
    match = re.search(site.thread_id_pattern, urlsplit(response.url).path)
    thread_id = match.group(1) if match else None
    title = first(response, site.thread_title)
    for post in response.css(site.post):
        post_id = first(post, site.post_id)
        where = f"{page_url(response)}#{post_id or '?'}"
        if not post_id:
            yield Skip(SkipReason.NO_ID, where)
            continue
        published = _date(post, site.time, fetched_at)
        if published is None:
            yield Skip(SkipReason.NO_DATE, where)
            continue
        body = post.css(site.body)
        text = element_text(body[0], drop=site.quote) if body else ""
        if not text:
            yield Skip(SkipReason.NO_TEXT, where)
            continue
        quote = body.css(site.quote)
        quoted = first(quote[0], site.quote_post_id) if quote else None
        author = first(post, site.author)
        yield _base(site, fetched_at) | {
            "external_id": post_id,
            "channel": Channel.FORUM,
            "url": f"{page_url(response)}#{post_id}",
            "author": {"id": first(post, site.author_id), "display_name": author} if author else None,
            "title": title,
            "text": text,
            "published_at": published,
            "in_reply_to": make_post_id(site.source, quoted) if quoted else None,
            "conversation_id": thread_id,
            "engagement": {"likes": _count(post, site.likes)},
        }


def extract_reviews(response: TextResponse, site: ReviewSite, fetched_at: datetime) -> Extracted:
    """Reviews of one list page, each followed by the company's reply as its own post
    (``external_id`` '<review id>-reply', replying to the review)."""
    for review in response.css(site.review):
        review_id = first(review, site.review_id)
        where = f"{page_url(response)}#{review_id or '?'}"
        if not review_id:
            yield Skip(SkipReason.NO_ID, where)
            continue
        published = _date(review, site.time, fetched_at)
        if published is None:
            yield Skip(SkipReason.NO_DATE, where)
            continue
        body = review.css(site.text)
        rating = first(review, site.rating)
        review_post = _base(site, fetched_at) | {
            "external_id": review_id,
            "channel": Channel.REVIEW,
            "url": f"{page_url(response)}#{review_id}",
            "author": _author(first(review, site.author)),
            "title": first(review, site.title),
            "text": element_text(body[0]) if body else "",
            "published_at": published,
            "conversation_id": review_id,
            "rating": float(rating.replace(",", ".")) if rating and re.fullmatch(r"\d+([.,]\d+)?", rating) else None,
        }
        yield review_post
        for reply in review.css(site.reply)[:1]:
            reply_id = f"{review_id}-reply"
            reply_time = _date(reply, site.reply_time, fetched_at)
            if reply_time is None:
                yield Skip(SkipReason.NO_DATE, f"{page_url(response)}#{reply_id}")
                continue
            reply_body = reply.css(site.reply_text)
            yield _base(site, fetched_at) | {
                "external_id": reply_id,
                "channel": Channel.REVIEW,
                "url": f"{page_url(response)}#{review_id}",
                "author": _author(first(reply, site.reply_author)),
                "text": element_text(reply_body[0]) if reply_body else "",
                "published_at": reply_time,
                "in_reply_to": make_post_id(site.source, review_id),
                "conversation_id": review_id,
            }


def _author(name: str | None) -> dict[str, str] | None:
    return {"display_name": name} if name else None


def article_id(url: str, site: NewsSite) -> str | None:
    """The article id in a URL by the site's pattern; None when the URL is no article."""
    match = re.search(site.article_pattern, urlsplit(url).path)
    return match.group(1) if match else None


def extract_article(response: TextResponse, site: NewsSite, fetched_at: datetime) -> Extracted:
    """The article (text, title, author, date by trafilatura and the site's date
    selectors) and its reader comments, each replying to the article or to the
    comment it answers."""
    slug = article_id(response.url, site)
    where = page_url(response)
    if slug is None:
        yield Skip(SkipReason.NOT_ARTICLE, where)
        return
    doc = trafilatura.bare_extraction(
        response.text, url=where, include_comments=False, with_metadata=True, deduplicate=False
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        yield Skip(SkipReason.NO_TEXT, where)
        return
    published = next(
        (d for query in site.published if (d := _date(response, query, fetched_at)) is not None),
        parse_dutch_date(getattr(doc, "date", None), fetched_at),
    )
    if published is None:
        yield Skip(SkipReason.NO_DATE, where)
        return
    article_post_id = make_post_id(site.source, slug)
    title = getattr(doc, "title", None) or first(response, "h1::text")
    if title and text.startswith(title + "\n"):  # trafilatura keeps the headline; title carries it
        text = text[len(title) + 1 :].lstrip()
    author = _BYLINE_WORD.sub("", getattr(doc, "author", None) or "").strip() or None
    yield _base(site, fetched_at) | {
        "external_id": slug,
        "channel": site.channel,
        "url": where,
        "author": _author(author),
        "title": title,
        "text": text,
        "published_at": published,
        "conversation_id": slug,
    }
    if not site.comment:
        return
    for comment in response.css(site.comment):
        comment_id = first(comment, site.comment_id)
        if not comment_id:
            yield Skip(SkipReason.NO_ID, f"{where}#?")
            continue
        comment_time = _date(comment, site.comment_time, fetched_at)
        if comment_time is None:
            yield Skip(SkipReason.NO_DATE, f"{where}#{comment_id}")
            continue
        parent = first(comment, site.comment_reply_to)
        body = comment.css(site.comment_text)
        yield _base(site, fetched_at) | {
            "external_id": f"{slug}#{comment_id}",
            "channel": site.channel,
            "url": f"{where}#{comment_id}",
            "author": _author(first(comment, site.comment_author)),
            "text": element_text(body[0]) if body else "",
            "published_at": comment_time,
            "in_reply_to": make_post_id(site.source, f"{slug}#{parent}") if parent else article_post_id,
            "conversation_id": slug,
        }
