"""Mastodon hashtag timeline, or the instance's public timeline.

- Endpoint: `GET /api/v1/timelines/tag/{hashtag}` (Mastodon REST API v1) on one instance,
  `limit` (at most 40), `since_id`, `max_id`; a token is optional (public timelines need
  none unless the instance requires authorized fetch). With `mastodon_timeline = "public"`
  (passed as `options.extra["timeline"]`) it is `GET /api/v1/timelines/public` instead (local
  and federated statuses the instance knows; same parameters, paging and wire format), the
  query is then not sent and only keys the cursor (default `timeline:public`, which no
  hashtag can be, so a hashtag cursor is never reused for the public timeline).
- Wire format: a JSON array of Status entities: `account` (`acct`, `display_name`,
  `followers_count`), `content` as HTML (turned into plain text here with lxml),
  `in_reply_to_id`, `in_reply_to_account_id`, `mentions`, `reblogs_count`,
  `favourites_count`, `replies_count`, `language`.
- Paging: newest first. The `Link` header's `rel="next"` URL carries the `max_id` of the
  next (older) page; a round ends on an empty page or a page without a next link. The next
  round asks only for statuses newer than the newest id of the finished round (`since_id`).
  The first run pages back until statuses are older than the backfill window.
- Rate limits: 300 requests per 5 minutes per account or IP by default, told in
  `X-RateLimit-Remaining` and `X-RateLimit-Reset` (ISO 8601), honoured by the HTTP layer.
- Delivery: at-least-once (cursor saved after Kafka confirmed the page). Ids are the
  instance's own, so `in_reply_to` is meaningful for statuses fetched from the same instance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import lxml.html

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
    leading_mentions,
    unique_handles,
)
from crawlers.connectors.http import ApiClient, parse_int, parse_iso
from pipeline.settings import ConnectorSettings
from schemas import Author, Channel, Engagement, RawPost, make_post_id

MAX_LIMIT = 40  # Mastodon's cap on `limit` for timelines
PUBLIC_PATH = "/api/v1/timelines/public"
PUBLIC_QUERY = "timeline:public"  # the default query (cursor key) of the public timeline


def read_rate_limit(headers: httpx.Headers, _now: float) -> tuple[int | None, float | None]:
    """X-RateLimit-Remaining and X-RateLimit-Reset (an ISO 8601 time)."""
    return parse_int(headers.get("x-ratelimit-remaining")), parse_iso(headers.get("x-ratelimit-reset"))


def html_to_text(html: str | None) -> str:
    """Plain text of a status' HTML: paragraphs separated by a blank line, <br> as a newline."""
    if not html or not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    paragraphs = root.findall("p")
    parts = [p.text_content().strip() for p in paragraphs] if paragraphs else [root.text_content().strip()]
    return "\n\n".join(part for part in parts if part)


class MastodonConnector(Connector):
    """The timeline of one hashtag (the query, without '#') on one instance, or its public
    timeline when `options.extra["timeline"]` is "public"."""

    name = "mastodon"
    channel = Channel.MASTODON

    read_rate_limit = staticmethod(read_rate_limit)

    def __init__(self, api: ApiClient, options: ConnectorOptions) -> None:
        super().__init__(api, options)
        self.public = options.extra.get("timeline") == "public"
        if self.public:
            self.path = PUBLIC_PATH
        else:
            self.path = f"/api/v1/timelines/tag/{quote(options.query.lstrip('#'), safe='')}"

    @staticmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        """The hashtag (or `PUBLIC_QUERY`) as the default query, the timeline kind as an extra."""
        public = settings.mastodon_timeline == "public"
        default_query = PUBLIC_QUERY if public else settings.mastodon_hashtag
        extra = {"timeline": settings.mastodon_timeline}
        return Endpoint(settings.mastodon_base_url, settings.mastodon_token, default_query, extra)

    def fetch_page(self, cursor: Cursor | None) -> Page:
        cursor = dict(cursor or {})
        params: dict[str, str | int] = {"limit": min(MAX_LIMIT, self.options.page_size)}
        for key in ("since_id", "max_id"):
            if key in cursor:
                params[key] = cursor[key]
        response = self.api.get(self.path, params)
        statuses = response.data
        if not isinstance(statuses, list):
            kind = "public" if self.public else "tag"
            raise FetchError(Status.BAD_PAYLOAD, f"{kind} timeline response is not a JSON array")

        backfill_from = self.options.backfill_from if "since_id" not in cursor else None
        items: list[Item] = []
        reached_window = False
        for status in statuses:
            created = _created(status)
            if backfill_from is not None and created is not None and created < backfill_from:
                reached_window = True
                continue
            items.append(status)

        round_newest = cursor.get("round_newest")
        if round_newest is None and statuses and isinstance(statuses[0], dict) and "id" in statuses[0]:
            round_newest = str(statuses[0]["id"])
        next_max_id = _max_id(response.links.get("next"))
        base = {"since_id": cursor["since_id"]} if "since_id" in cursor else {}
        if statuses and next_max_id and not reached_window:
            following = {**base, "max_id": next_max_id}
            if round_newest:
                following["round_newest"] = round_newest
            return Page(items=items, cursor=following, has_more=True)
        done = {"since_id": round_newest} if round_newest else base
        return Page(items=items, cursor=done, has_more=False)

    @staticmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        account = item["account"]
        mentions = item.get("mentions") or []
        reply_account = item.get("in_reply_to_account_id")
        text = html_to_text(item.get("content"))
        addressed = [m.get("acct") for m in mentions if reply_account is not None and m.get("id") == reply_account]
        if reply_account is not None and reply_account == account.get("id"):
            addressed = [account.get("acct")]  # a thread continued by its own author
        # the text shows a mention as '@username'; the mentions list tells whose acct it is
        acct_of = {m.get("username"): m.get("acct") for m in mentions}
        addressed += [acct_of.get(handle.split("@")[0], handle) for handle in leading_mentions(text)]
        return RawPost(
            source="mastodon",
            external_id=str(item["id"]),
            channel=Channel.MASTODON,
            url=item.get("url") or item.get("uri"),
            author=Author(
                id=account.get("uri") or account.get("url"),
                handle=account.get("acct"),
                display_name=account.get("display_name") or account.get("username"),
                followers=account.get("followers_count"),
            ),
            text=text,
            language=item.get("language") or None,
            published_at=item["created_at"],
            fetched_at=context.fetched_at,
            in_reply_to=make_post_id("mastodon", str(item["in_reply_to_id"])) if item.get("in_reply_to_id") else None,
            addressed=unique_handles(addressed),
            mentions=unique_handles(m.get("acct") for m in mentions),
            engagement=Engagement(
                likes=item.get("favourites_count"),
                replies=item.get("replies_count"),
                shares=item.get("reblogs_count"),
            ),
        )



def _created(status: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(status["created_at"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return None


def _max_id(next_url: str | None) -> str | None:
    if not next_url:
        return None
    values = parse_qs(urlsplit(next_url).query).get("max_id")
    return values[0] if values else None
