"""Bluesky post search.

- Endpoint: `GET /xrpc/app.bsky.feed.searchPosts` (AT Protocol XRPC, lexicon
  app.bsky.feed.searchPosts) on an AppView, `q`, `sort=latest`, `limit` (at most 100),
  `since` (inclusive, on the post's sort time), `cursor`; Bearer access JWT when the
  AppView asks for one.
- Wire format: `{"posts": [postView], "cursor": ...}`; a postView has `uri` (at://),
  `author` (`did`, `handle`, `displayName`), `record` (`text`, `createdAt`, `langs`,
  `reply.parent`/`reply.root`, `facets` with mention features) and `replyCount`,
  `repostCount`, `likeCount`, `indexedAt`. Author follower counts are not in a postView.
- Paging: newest first with the opaque `cursor`; a round ends when a page has no cursor or
  no posts. The next round asks `since` the newest sort time of the finished round; posts
  at exactly that time are remembered by uri so they are not published twice. The first
  run starts `since` the backfill window.
- Rate limits: `ratelimit-remaining` and `ratelimit-reset` (epoch seconds) and
  `Retry-After` on 429, honoured by the HTTP layer.
- Delivery: at-least-once (cursor saved after Kafka confirmed the page). `addressed` holds
  the handles a post opens with; the handle of a reply's parent author would cost one more
  request per reply and is left to the thread (`in_reply_to`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from crawlers.connectors.base import (
    Connector,
    Cursor,
    Endpoint,
    FetchError,
    Item,
    MapContext,
    Page,
    Status,
    leading_mentions,
    unique_handles,
)
from crawlers.connectors.http import parse_int
from pipeline.settings import ConnectorSettings
from schemas import Author, Channel, Engagement, RawPost, make_post_id

SEARCH_PATH = "/xrpc/app.bsky.feed.searchPosts"
MENTION = "app.bsky.richtext.facet#mention"


def read_rate_limit(headers: httpx.Headers, _now: float) -> tuple[int | None, float | None]:
    """ratelimit-remaining and ratelimit-reset (epoch seconds)."""
    reset = parse_int(headers.get("ratelimit-reset"))
    return parse_int(headers.get("ratelimit-remaining")), float(reset) if reset is not None else None


def sort_time(post: Any) -> str | None:
    """The time searchPosts sorts and filters on: the earlier of createdAt and indexedAt (ISO, UTC)."""
    try:
        times = [_utc(post["record"]["createdAt"]), _utc(post["indexedAt"])]
    except (KeyError, TypeError, ValueError):
        return None
    return min(times).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class BlueskyConnector(Connector):
    """Bluesky searchPosts for one query."""

    name = "bluesky"
    channel = Channel.BLUESKY
    read_rate_limit = staticmethod(read_rate_limit)

    @staticmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        return Endpoint(settings.bluesky_base_url, settings.bluesky_token, settings.bluesky_query)

    def fetch_page(self, cursor: Cursor | None) -> Page:
        cursor = dict(cursor or {})
        if "since" not in cursor:
            start = self.options.backfill_from or datetime(1970, 1, 1, tzinfo=UTC)
            cursor["since"] = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        seen = set(filter(None, cursor.get("seen", "").split(" ")))
        params: dict[str, str | int] = {
            "q": self.options.query,
            "sort": "latest",
            "limit": min(100, self.options.page_size),
            "since": cursor["since"],
        }
        if cursor.get("page"):
            params["cursor"] = cursor["page"]
        data = self.api.get(SEARCH_PATH, params).data
        if not isinstance(data, dict) or not isinstance(data.get("posts"), list):
            raise FetchError(Status.BAD_PAYLOAD, "searchPosts response has no 'posts' list")
        posts = data["posts"]
        items = [p for p in posts if not (sort_time(p) == cursor["since"] and _uri(p) in seen)]

        newest, newest_seen = cursor.get("round_newest"), cursor.get("round_seen", "")
        for post in items:
            at = sort_time(post)
            if at is None:
                continue
            if newest is None or at > newest:
                newest, newest_seen = at, _uri(post)
            elif at == newest:
                newest_seen = f"{newest_seen} {_uri(post)}".strip()

        next_page = data.get("cursor")
        if posts and next_page:
            following = {"since": cursor["since"], "page": str(next_page)}
            if cursor.get("seen"):
                following["seen"] = cursor["seen"]
            if newest is not None:
                following.update(round_newest=newest, round_seen=newest_seen)
            return Page(items=items, cursor=following, has_more=True)
        if newest is None or newest < cursor["since"]:
            done = {"since": cursor["since"], "seen": cursor.get("seen", "")}
        elif newest == cursor["since"]:
            done = {"since": newest, "seen": f"{cursor.get('seen', '')} {newest_seen}".strip()}
        else:
            done = {"since": newest, "seen": newest_seen}
        return Page(items=items, cursor=done, has_more=False)

    @staticmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        record = item["record"]
        author = item["author"]
        text = record["text"]
        uri = item["uri"]
        reply = record.get("reply") or {}
        langs = record.get("langs") or []
        return RawPost(
            source="bluesky",
            external_id=uri,
            channel=Channel.BLUESKY,
            url=f"https://bsky.app/profile/{author['handle']}/post/{uri.rsplit('/', 1)[-1]}",
            author=Author(
                id=author.get("did"), handle=author.get("handle"), display_name=author.get("displayName") or None
            ),
            text=text,
            language=langs[0] if langs else None,
            published_at=record["createdAt"],
            fetched_at=context.fetched_at,
            in_reply_to=make_post_id("bluesky", reply["parent"]["uri"]) if reply.get("parent") else None,
            conversation_id=(reply.get("root") or {}).get("uri") or uri,
            addressed=leading_mentions(text),
            mentions=_mentioned_handles(text, record.get("facets") or []),
            engagement=Engagement(
                likes=item.get("likeCount"), replies=item.get("replyCount"), shares=item.get("repostCount")
            ),
        )


def _mentioned_handles(text: str, facets: list[dict]) -> list[str]:
    """Mention facets point at byte ranges of the UTF-8 text ('@handle'); the handle is read from there."""
    raw = text.encode("utf-8")
    handles = []
    for facet in facets:
        if any(f.get("$type") == MENTION for f in facet.get("features") or []):
            index = facet.get("index") or {}
            handles.append(raw[index.get("byteStart", 0) : index.get("byteEnd", 0)].decode("utf-8", "replace"))
    return unique_handles(handles)


def _uri(post: Any) -> str:
    return str(post.get("uri", "")) if isinstance(post, dict) else ""


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
