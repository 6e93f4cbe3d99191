"""Reddit search listing.

- Endpoint: `GET /r/{subreddit}/search` (with `restrict_sr=1`) or `GET /search` on the
  OAuth API (`https://oauth.reddit.com`), `q`, `sort=new`, `limit` (at most 100), `after`,
  `raw_json=1` (so text is not HTML-escaped); Bearer token.
- Wire format: a Listing Thing (`kind: "Listing"`, `data.children`, `data.after`) whose
  children are `t3` Things (posts). Only posts are searched; comments are not in search.
- Paging: newest first with `after` = the fullname of the last child. Reddit search has no
  `since_id`, so each round walks from the newest post down to the watermark (the newest
  `created_utc` of the previous round, or the backfill window on a first run) and stops
  there. Posts published in the watermark's second are remembered by id so none is lost or
  repeated at the boundary.
- Rate limits: `x-ratelimit-remaining` and `x-ratelimit-reset` (seconds until the window
  resets; windows are 10 minutes) and `Retry-After` on 429, honoured by the HTTP layer.
- Delivery: at-least-once (cursor saved after Kafka confirmed the page). A post that enters
  the search index later than newer posts (index lag) and is older than the watermark is
  missed; run a wider backfill to recover such posts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from crawlers.connectors.base import (
    Connector,
    ConnectorOptions,
    Cursor,
    Endpoint,
    FetchError,
    Item,
    MapContext,
    Page,
    Status,
)
from crawlers.connectors.http import ApiClient, parse_int
from pipeline.settings import ConnectorSettings
from schemas import Author, Channel, Engagement, RawPost

WEB_URL = "https://www.reddit.com"


def read_rate_limit(headers: httpx.Headers, now: float) -> tuple[int | None, float | None]:
    """x-ratelimit-remaining (a float on the wire), x-ratelimit-reset in seconds from now."""
    reset = parse_int(headers.get("x-ratelimit-reset"))
    return parse_int(headers.get("x-ratelimit-remaining")), now + reset if reset is not None else None


class RedditConnector(Connector):
    """Reddit search (one subreddit from `options.extra['subreddit']`, or all of Reddit)."""

    name = "reddit"
    channel = Channel.REDDIT

    read_rate_limit = staticmethod(read_rate_limit)

    def __init__(self, api: ApiClient, options: ConnectorOptions) -> None:
        super().__init__(api, options)
        subreddit = options.extra.get("subreddit")
        self.path = f"/r/{subreddit}/search" if subreddit else "/search"

    @staticmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        extra = {"subreddit": settings.reddit_subreddit} if settings.reddit_subreddit else {}
        return Endpoint(settings.reddit_base_url, settings.reddit_token, settings.reddit_query, extra)

    def fetch_page(self, cursor: Cursor | None) -> Page:
        cursor = dict(cursor or {})
        if "watermark" not in cursor:
            start = self.options.backfill_from
            cursor["watermark"] = str(start.timestamp()) if start is not None else "0"
        watermark = float(cursor["watermark"])
        seen_at_mark = set(filter(None, cursor.get("seen", "").split(" ")))
        params: dict[str, str | int] = {
            "q": self.options.query,
            "sort": "new",
            "limit": min(100, self.options.page_size),
            "raw_json": 1,
        }
        if self.path != "/search":
            params["restrict_sr"] = 1
        if cursor.get("after"):
            params["after"] = cursor["after"]
        children, after = _parse_listing(self.api.get(self.path, params).data)

        items: list[Item] = []
        reached_watermark = False
        for child in children:
            created = _created(child)
            if created is not None and (created < watermark or (created == watermark and _name(child) in seen_at_mark)):
                reached_watermark = True
                continue
            items.append(child)

        round_newest = cursor.get("round_newest")
        round_seen = cursor.get("round_seen", "")
        for child in items:
            created = _created(child)
            if created is None:
                continue
            if round_newest is None or created > float(round_newest):
                round_newest, round_seen = repr(created), _name(child)
            elif created == float(round_newest):
                round_seen = f"{round_seen} {_name(child)}".strip()

        if after and not reached_watermark:
            following = {"watermark": cursor["watermark"], "after": after}
            if cursor.get("seen"):
                following["seen"] = cursor["seen"]
            if round_newest is not None:
                following.update(round_newest=round_newest, round_seen=round_seen)
            return Page(items=items, cursor=following, has_more=True)
        if round_newest is None or float(round_newest) < watermark:
            done = {"watermark": cursor["watermark"], "seen": cursor.get("seen", "")}
        elif float(round_newest) == watermark:
            done = {"watermark": cursor["watermark"], "seen": f"{cursor.get('seen', '')} {round_seen}".strip()}
        else:
            done = {"watermark": round_newest, "seen": round_seen}
        return Page(items=items, cursor=done, has_more=False)

    @staticmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        if item.get("kind") != "t3":
            raise ValueError(f"not a post Thing: kind {item.get('kind')!r}")
        post = item["data"]
        fullname = post.get("name") or f"t3_{post['id']}"
        author = post.get("author")
        deleted = author in (None, "[deleted]")
        text = post.get("selftext") or ""
        if not text and not post.get("is_self", True):
            text = post.get("url") or ""
        return RawPost(
            source="reddit",
            external_id=fullname,
            channel=Channel.REDDIT,
            url=f"{WEB_URL}{post['permalink']}" if post.get("permalink") else None,
            author=None
            if deleted
            else Author(id=post.get("author_fullname"), handle=author, display_name=author),
            title=post.get("title"),
            text=text,
            published_at=datetime.fromtimestamp(float(post["created_utc"]), UTC),
            fetched_at=context.fetched_at,
            conversation_id=fullname,
            # score is upvotes minus downvotes and can be negative; Engagement counts are never below 0
            engagement=Engagement(likes=max(0, int(post.get("score") or 0)), replies=post.get("num_comments")),
        )



def _parse_listing(data: Any) -> tuple[list[dict], str | None]:
    if not isinstance(data, dict) or data.get("kind") != "Listing" or not isinstance(data.get("data"), dict):
        raise FetchError(Status.BAD_PAYLOAD, "search response is not a Listing")
    children = data["data"].get("children")
    if not isinstance(children, list):
        raise FetchError(Status.BAD_PAYLOAD, "Listing has no 'data.children' list")
    after = data["data"].get("after")
    return children, str(after) if after else None


def _created(child: Any) -> float | None:
    try:
        return float(child["data"]["created_utc"])
    except (KeyError, TypeError, ValueError):
        return None


def _name(child: Any) -> str:
    try:
        return str(child["data"].get("name") or f"t3_{child['data']['id']}")
    except (KeyError, TypeError, AttributeError):
        return ""
