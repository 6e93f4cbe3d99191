"""Declarative site configs: what a generic spider needs to know about one site.

Selectors are Scrapy/parsel CSS selectors (``::text`` and ``::attr(x)`` allowed where a
string is read) evaluated relative to the element named in the field's description.
Paths are relative to ``base_url`` so one config works against the real site and a
local copy (``crawl SITE --base-url http://127.0.0.1:8000``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.raw_post import Channel


class SiteBase(BaseModel):
    """What every crawled site has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(..., pattern=r"^[a-z0-9_]+$", description="Registry key; also the state directory name.")
    source: str = Field(..., description="RawPost.source for every post of this site (e.g. 'forum.prikbord').")
    base_url: str = Field(..., description="Scheme and host of the real site, without a trailing slash.")
    language: str | None = Field("nl", description="RawPost.language when the whole site is in one language.")


class ForumSite(SiteBase):
    """A forum: thread list pages -> thread pages (paginated) -> posts."""

    kind: Literal["forum"] = "forum"
    start_paths: tuple[str, ...] = Field(..., description="First thread-list page(s).")
    thread_link: str = Field(..., description="On a thread-list page: href of each thread.")
    list_next_page: str = Field(..., description="On a thread-list page: href of the next list page.")
    thread_id_pattern: str = Field(..., description="Regex on a thread URL; group 1 is the thread id.")
    thread_title: str = Field(..., description="On a thread page: the thread title text.")
    thread_next_page: str = Field(..., description="On a thread page: href of the thread's next page.")
    post: str = Field(..., description="On a thread page: one element per post.")
    post_id: str = Field(..., description="In a post: its id at the site.")
    author: str = Field(..., description="In a post: the author's display name.")
    author_id: str | None = Field(None, description="In a post: the author's profile href or id.")
    time: str = Field(..., description="In a post: its date (ISO attribute or Dutch text).")
    body: str = Field(..., description="In a post: the element holding its text (quotes included).")
    quote: str = Field(..., description="In a post body: a quoted earlier post (left out of the text).")
    quote_post_id: str = Field(..., description="In a quote: the id of the post it quotes.")
    likes: str | None = Field(None, description="In a post: its like count.")


class ReviewSite(SiteBase):
    """A review site: paginated review lists, each review with an optional company reply."""

    kind: Literal["review"] = "review"
    start_paths: tuple[str, ...] = Field(..., description="First review-list page of each company.")
    next_page: str = Field(..., description="On a review-list page: href of the next page.")
    review: str = Field(..., description="On a review-list page: one element per review.")
    review_id: str = Field(..., description="In a review: its id at the site.")
    rating: str = Field(..., description="In a review: its rating, a number on the site's scale.")
    title: str = Field(..., description="In a review: its title.")
    text: str = Field(..., description="In a review: the element holding its text.")
    author: str = Field(..., description="In a review: the reviewer's display name.")
    time: str = Field(..., description="In a review: its date.")
    reply: str = Field(..., description="In a review: the company's public reply, if shown.")
    reply_author: str = Field(..., description="In a reply: who replied (the company's name).")
    reply_text: str = Field(..., description="In a reply: the element holding its text.")
    reply_time: str = Field(..., description="In a reply: its date.")


class NewsSite(SiteBase):
    """A news site or blog: articles found via sitemap.xml and RSS, text by trafilatura."""

    kind: Literal["news"] = "news"
    channel: Literal[Channel.NEWS, Channel.BLOG] = Field(Channel.NEWS, description="news or blog.")
    sitemap_paths: tuple[str, ...] = Field((), description="sitemap.xml files listing articles.")
    feed_paths: tuple[str, ...] = Field((), description="RSS 2.0 feeds listing articles.")
    article_pattern: str = Field(..., description="Regex on an article URL path; group 1 is the article id.")
    published: tuple[str, ...] = Field(
        ..., description="Selectors for the publication time, tried in order before trafilatura's date."
    )
    comment: str | None = Field(None, description="On an article page: one element per reader comment.")
    comment_id: str = Field("::attr(id)", description="In a comment: its id at the site.")
    comment_author: str = Field(".author::text", description="In a comment: the commenter's name.")
    comment_time: str = Field("time::attr(datetime)", description="In a comment: its date.")
    comment_text: str = Field(".text", description="In a comment: the element holding its text.")
    comment_reply_to: str | None = Field(
        None, description="In a comment: the id of the comment it answers (else it replies to the article)."
    )


Site = ForumSite | ReviewSite | NewsSite
