"""YouTube comment threads on one brand channel's videos.

- Endpoint: `GET /youtube/v3/commentThreads` (YouTube Data API v3) with
  `allThreadsRelatedToChannelId` = the brand's channel id (the query), `part=snippet,replies`,
  `order=time`, `maxResults` (at most 100), `pageToken`, `textFormat=plainText`; the API key
  goes in the `key` query parameter (public comments need no OAuth), redacted from the
  request lines httpx logs.
- Wire format: a `youtube#commentThreadListResponse` (`items`, `nextPageToken`); a
  `youtube#commentThread` has `snippet.topLevelComment` and `snippet.totalReplyCount`, and
  `replies.comments` with some of its replies (the API includes a subset; the rest would need
  `comments.list?parentId=`, not built). A `youtube#comment` snippet has `textOriginal`
  (not always returned to an API key) and `textDisplay`, `authorDisplayName`,
  `authorChannelUrl` (`…/@handle` when the author has a handle), `authorChannelId.value`,
  `likeCount`, `publishedAt`, `updatedAt` and, for replies, `parentId`. Each comment (top-level
  and included replies) becomes one RawPost; there is no language field.
- Paging: threads newest first with `nextPageToken`. There is no `since_id`, so each round
  walks from the newest thread down to the watermark (the newest top-level `publishedAt` of
  the previous round, or the backfill window on a first run), as Reddit does; threads started
  exactly at the watermark are remembered by id so none is lost or repeated there.
- Rate limits: no headers. A project has a daily quota (10,000 units by default; one page of
  this endpoint costs 1 unit) that resets at midnight Pacific time. 403 `quotaExceeded`,
  `rateLimitExceeded` (and the user/daily variants) end the round as `rate_limited`; 403
  `forbidden` and 400 `keyInvalid` (or `API_KEY_INVALID`) as `auth_error`; 404
  `channelNotFound` as `http_error` naming the setting to fix; 5xx are retried by the HTTP layer.
- Delivery: at-least-once (cursor saved after Kafka confirmed the page). A reply posted on a
  thread that started before the watermark is not fetched (the thread is not walked again),
  and neither are replies the API leaves out of `replies.comments`; edits (`updatedAt`) are
  not re-published.
- `addressed` (what webcare reads as "addressed to us"): the brand's channel id for every
  comment on the brand's own videos or replying to a brand comment, unless the brand wrote
  it (its own comments address nobody by that rule), plus the handles a comment opens with
  ("@annevandijk bedankt!"; YouTube puts the handle before a reply to a reply). Who a reply
  answers is in `in_reply_to`. Monitors list the channel id among their `owned_accounts`
  (next to the brand's handles) to match it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

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
from pipeline.settings import ConnectorSettings
from schemas import Author, Channel, Engagement, RawPost, make_post_id

THREADS_PATH = "/youtube/v3/commentThreads"
MAX_RESULTS = 100  # commentThreads.list caps maxResults at 100
WATCH_URL = "https://www.youtube.com/watch"

# errors[].reason values (and ErrorInfo reasons in error.details) of the Data API, by what they mean for a round
QUOTA_REASONS = ("quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded")
KEY_REASONS = ("keyInvalid", "keyExpired", "API_KEY_INVALID", "forbidden", "ipRefererBlocked", "accessNotConfigured")
# YouTube handles: 3-30 letters, digits, '_', '-' and '.'; not preceded by a word character (an e-mail address)
_MENTION = re.compile(r"(?<![\w@.])@([\w.-]{3,30})")


def error_reasons(body: Any) -> list[str]:
    """The reasons a Data API error body gives: `error.errors[].reason` and `error.details[].reason`."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return []
    entries = [*(error.get("errors") or []), *(error.get("details") or [])]
    return [str(e["reason"]) for e in entries if isinstance(e, dict) and e.get("reason")]


def read_error(status_code: int, body: Any) -> tuple[Status, str] | None:
    """Quota errors are 403s like a refused key; the reason in the body tells them apart."""
    reasons = error_reasons(body)
    if quota := next((r for r in QUOTA_REASONS if r in reasons), None):
        return Status.RATE_LIMITED, quota
    if status_code == 404 and "channelNotFound" in reasons:
        return Status.HTTP_ERROR, "channelNotFound: no channel with this id (set connectors.youtube_channel_id)"
    if status_code == 403 and "commentsDisabled" in reasons:
        return Status.HTTP_ERROR, "commentsDisabled"
    if key := next((r for r in KEY_REASONS if r in reasons), None):
        return Status.AUTH_ERROR, key
    return None


def thread_time(thread: Any) -> str | None:
    """When a thread started (its top-level comment's `publishedAt`), as a comparable UTC string."""
    try:
        published = thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"]
        return _stamp(datetime.fromisoformat(published.replace("Z", "+00:00")))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


class YouTubeConnector(Connector):
    """Comment threads on the videos of one channel (the query: a channel id)."""

    name = "youtube"
    channel = Channel.YOUTUBE

    read_error = staticmethod(read_error)

    @staticmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        return Endpoint(
            settings.youtube_base_url, settings.youtube_api_key, settings.youtube_channel_id, token_param="key"
        )

    def fetch_page(self, cursor: Cursor | None) -> Page:
        cursor = dict(cursor or {})
        if "watermark" not in cursor:
            cursor["watermark"] = _stamp(self.options.backfill_from or datetime(1970, 1, 1, tzinfo=UTC))
        watermark = cursor["watermark"]
        seen_at_mark = set(filter(None, cursor.get("seen", "").split(" ")))
        params: dict[str, str | int] = {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": self.options.query,
            "order": "time",
            "maxResults": min(MAX_RESULTS, self.options.page_size),
            "textFormat": "plainText",
        }
        if cursor.get("page"):
            params["pageToken"] = cursor["page"]
        threads, next_page = _parse_page(self.api.get(THREADS_PATH, params).data)

        fresh: list[dict] = []
        reached_watermark = False
        for thread in threads:
            started = thread_time(thread)
            if started is not None and started < watermark:
                reached_watermark = True
            elif not (started == watermark and _thread_id(thread) in seen_at_mark):
                fresh.append(thread)

        round_newest = cursor.get("round_newest")
        round_seen = cursor.get("round_seen", "")
        for thread in fresh:
            started = thread_time(thread)
            if started is None:
                continue
            if round_newest is None or started > round_newest:
                round_newest, round_seen = started, _thread_id(thread)
            elif started == round_newest:
                round_seen = f"{round_seen} {_thread_id(thread)}".strip()

        items = [item for thread in fresh for item in _comments(thread, self.options.query)]
        if next_page and not reached_watermark:
            following = {"watermark": watermark, "page": next_page}
            if cursor.get("seen"):
                following["seen"] = cursor["seen"]
            if round_newest is not None:
                following.update(round_newest=round_newest, round_seen=round_seen)
            return Page(items=items, cursor=following, has_more=True)
        if round_newest is None or round_newest < watermark:
            done = {"watermark": watermark, "seen": cursor.get("seen", "")}
        elif round_newest == watermark:
            done = {"watermark": watermark, "seen": f"{cursor.get('seen', '')} {round_seen}".strip()}
        else:
            done = {"watermark": round_newest, "seen": round_seen}
        return Page(items=items, cursor=done, has_more=False)

    @staticmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        comment, thread, brand = item["comment"], item["thread"], item["channel_id"]
        snippet = comment["snippet"]
        comment_id = str(comment["id"])
        thread_snippet = thread.get("snippet") or {}
        text = snippet.get("textOriginal") or snippet["textDisplay"]
        author_id = (snippet.get("authorChannelId") or {}).get("value")
        parent_id = snippet.get("parentId")
        video_id = snippet.get("videoId") or thread_snippet.get("videoId")
        on_brand_video = thread_snippet.get("channelId", snippet.get("channelId")) == brand
        parent_author = None
        if parent_id:
            top = (thread_snippet.get("topLevelComment") or {}).get("snippet") or {}
            parent_author = (top.get("authorChannelId") or {}).get("value")
        to_brand = (on_brand_video or parent_author == brand) and author_id != brand
        return RawPost(
            source="youtube",
            external_id=comment_id,
            channel=Channel.YOUTUBE,
            url=f"{WATCH_URL}?v={video_id}&lc={comment_id}" if video_id else None,
            author=Author(id=author_id, handle=author_handle(snippet), display_name=snippet.get("authorDisplayName")),
            text=text,
            published_at=snippet["publishedAt"],
            fetched_at=context.fetched_at,
            in_reply_to=make_post_id("youtube", parent_id) if parent_id else None,
            conversation_id=thread.get("id") or parent_id or comment_id,
            addressed=unique_handles([brand if to_brand else None, *leading_mentions(text)]),
            mentions=unique_handles(m.rstrip(".") for m in _MENTION.findall(text)),
            engagement=Engagement(
                likes=snippet.get("likeCount"),
                replies=None if parent_id else thread_snippet.get("totalReplyCount"),
            ),
        )


def _comments(thread: Any, channel_id: str) -> list[Item]:
    """The top-level comment and the included replies of a thread, each joined to its thread."""
    if not isinstance(thread, dict):
        return [{"comment": thread, "thread": {}, "channel_id": channel_id}]
    top = (thread.get("snippet") or {}).get("topLevelComment")
    replies = (thread.get("replies") or {}).get("comments") or []
    return [{"comment": c, "thread": thread, "channel_id": channel_id} for c in [top, *replies]]


def author_handle(snippet: dict) -> str | None:
    """The author's @handle from `authorChannelUrl` (…/@handle), else from an '@' display name."""
    path = unquote(urlsplit(snippet.get("authorChannelUrl") or "").path)
    if path.startswith("/@"):
        return path[2:] or None
    name = snippet.get("authorDisplayName") or ""
    return (name[1:] or None) if name.startswith("@") else None


def _parse_page(data: Any) -> tuple[list[Any], str | None]:
    if not isinstance(data, dict) or data.get("kind") != "youtube#commentThreadListResponse":
        raise FetchError(Status.BAD_PAYLOAD, "response is not a youtube#commentThreadListResponse")
    items = data.get("items", [])
    if not isinstance(items, list):
        raise FetchError(Status.BAD_PAYLOAD, "'items' is not a list")
    next_page = data.get("nextPageToken")
    return items, str(next_page) if next_page else None


def _thread_id(thread: Any) -> str:
    return str(thread.get("id", "")) if isinstance(thread, dict) else ""


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
