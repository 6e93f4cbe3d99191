"""X (Twitter) API v2 recent search.

- Endpoint: `GET /2/tweets/search/recent` (X API v2), Bearer (app-only) auth.
- Fields: `tweet.fields=created_at,author_id,conversation_id,in_reply_to_user_id,
  referenced_tweets,public_metrics,entities,lang`, `expansions=author_id,in_reply_to_user_id`,
  `user.fields=username,name,public_metrics`; users arrive once per page in `includes.users`
  and are joined to each tweet here, so `to_raw_post` stays pure.
- Paging: newest first; `meta.next_token` is passed back as `next_token` with the same
  query parameters. A round ends when a page has no `next_token`; the next round asks only
  for tweets newer than the newest id of the finished round (`since_id`, taken from the first
  page's `meta.newest_id`). The first run starts at `start_time` = the backfill window,
  clamped to the 7 days recent search covers.
- Rate limits: per 15-minute window, told in `x-rate-limit-remaining` and
  `x-rate-limit-reset` (epoch seconds); both honoured by the HTTP layer, as is `Retry-After`.
- Delivery: at-least-once (cursor saved after Kafka confirmed the page); retweets arrive
  as their own posts with the "RT @user:" text X gives them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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

SEARCH_PATH = "/2/tweets/search/recent"
TWEET_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,public_metrics,entities,lang"
USER_FIELDS = "username,name,public_metrics"
EXPANSIONS = "author_id,in_reply_to_user_id"
# Recent search covers the last 7 days; a start_time older than that is a 400. One minute of margin
# for the clock difference between us and X.
RECENT_WINDOW = timedelta(days=7) - timedelta(minutes=1)
# X's codes for "no linguistic content" / "undetermined" and its q* pseudo-languages are not languages.
NOT_LANGUAGES = {"und", "zxx", "art"}


def read_rate_limit(headers: httpx.Headers, _now: float) -> tuple[int | None, float | None]:
    """x-rate-limit-remaining, and x-rate-limit-reset as epoch seconds."""
    reset = parse_int(headers.get("x-rate-limit-reset"))
    return parse_int(headers.get("x-rate-limit-remaining")), float(reset) if reset is not None else None


class XConnector(Connector):
    """X API v2 recent search for one query."""

    name = "x"
    channel = Channel.X

    read_rate_limit = staticmethod(read_rate_limit)

    @staticmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        return Endpoint(settings.x_base_url, settings.x_bearer_token, settings.x_query)

    def fetch_page(self, cursor: Cursor | None) -> Page:
        cursor = dict(cursor or {})
        if "next_token" not in cursor:  # a new round: keep it inside the 7 days recent search covers
            oldest = self.options.clock() - RECENT_WINDOW
            if "since_id" in cursor and snowflake_time(cursor["since_id"]) < oldest:
                del cursor["since_id"]  # X refuses a since_id older than its window; resume at its edge
                cursor["start_time"] = _iso(oldest)
            if "since_id" not in cursor:
                saved = cursor.get("start_time")
                start = datetime.fromisoformat(saved.replace("Z", "+00:00")) if saved else self.options.backfill_from
                if start is not None:
                    cursor["start_time"] = _iso(max(start, oldest))
        params: dict[str, str | int] = {
            "query": self.options.query,
            "max_results": max(10, min(100, self.options.page_size)),
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user.fields": USER_FIELDS,
        }
        for key in ("since_id", "start_time", "next_token"):
            if key in cursor:
                params[key] = cursor[key]
        data = self.api.get(SEARCH_PATH, params).data
        tweets, users, meta = _parse_page(data)
        round_newest = cursor.get("newest_id") or meta.get("newest_id")
        items = join_users(tweets, users)
        base = {k: cursor[k] for k in ("since_id", "start_time") if k in cursor}
        if meta.get("next_token"):
            following = {**base, "next_token": str(meta["next_token"])}
            if round_newest:
                following["newest_id"] = str(round_newest)
            return Page(items=items, cursor=following, has_more=True)
        if round_newest:
            return Page(items=items, cursor={"since_id": str(round_newest)}, has_more=False)
        return Page(items=items, cursor=base, has_more=False)

    @staticmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        tweet = item["tweet"]
        user = item.get("author") or {}
        reply_user = item.get("in_reply_to_user") or {}
        tweet_id = str(tweet["id"])
        handle = user.get("username")
        replied_to = next(
            (str(ref["id"]) for ref in tweet.get("referenced_tweets") or [] if ref.get("type") == "replied_to"), None
        )
        mentions = unique_handles(m.get("username") for m in (tweet.get("entities") or {}).get("mentions") or [])
        metrics = tweet.get("public_metrics") or {}
        lang = tweet.get("lang")
        return RawPost(
            source="x",
            external_id=tweet_id,
            channel=Channel.X,
            url=f"https://x.com/{handle}/status/{tweet_id}" if handle else f"https://x.com/i/web/status/{tweet_id}",
            author=Author(
                id=str(tweet["author_id"]) if tweet.get("author_id") else None,
                handle=handle,
                display_name=user.get("name"),
                followers=(user.get("public_metrics") or {}).get("followers_count"),
            ),
            text=tweet["text"],
            language=None if not lang or lang in NOT_LANGUAGES or lang.startswith("q") else lang,
            published_at=tweet["created_at"],
            fetched_at=context.fetched_at,
            in_reply_to=make_post_id("x", replied_to) if replied_to else None,
            conversation_id=tweet.get("conversation_id"),
            addressed=unique_handles([reply_user.get("username"), *leading_mentions(tweet["text"])]),
            mentions=mentions,
            engagement=Engagement(
                likes=metrics.get("like_count"),
                replies=metrics.get("reply_count"),
                shares=metrics.get("retweet_count"),
                views=metrics.get("impression_count"),
            ),
        )



def join_users(tweets: list[Any], users: dict[str, dict]) -> list[Item]:
    """Items for `to_raw_post`: each tweet with its author and the user it replies to, taken
    from the response's `includes.users` (by id). Shared by recent search and the filtered stream."""
    return [
        {
            "tweet": t,
            "author": users.get(str(t.get("author_id"))) if isinstance(t, dict) else None,
            "in_reply_to_user": users.get(str(t.get("in_reply_to_user_id"))) if isinstance(t, dict) else None,
        }
        for t in tweets
    ]


def users_by_id(users: list[Any]) -> dict[str, dict]:
    """`includes.users` keyed by id (entries without an id are left out)."""
    return {str(u["id"]): u for u in users if isinstance(u, dict) and "id" in u}


# X ids are snowflakes: milliseconds since X's epoch (2010-11-04T01:42:54.657Z) in the bits above 22.
_SNOWFLAKE_EPOCH_MS = 1288834974657


def snowflake_time(tweet_id: str) -> datetime:
    """When an X id was minted, read from the id itself."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + _SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_page(data: Any) -> tuple[list[dict], dict[str, dict], dict]:
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise FetchError(Status.BAD_PAYLOAD, "recent search response has no 'meta' object")
    tweets = data.get("data", [])
    users = (data.get("includes") or {}).get("users", [])
    if not isinstance(tweets, list) or not isinstance(users, list):
        raise FetchError(Status.BAD_PAYLOAD, "'data' or 'includes.users' is not a list")
    return tweets, users_by_id(users), data["meta"]
