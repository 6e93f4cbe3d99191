"""Instagram business account: comments under the brand's media and media it is tagged in.

- API: Instagram Graph API (Meta Graph API v21.0, `connectors.graph_api_version`) for a
  business or creator account linked to a Facebook Page; a token with `instagram_basic` and
  `instagram_manage_comments`, sent as `Authorization: Bearer` (never in a URL). The query
  is the Instagram user id (not the @username).
- What is fetched:
  1. `GET /v21.0/{ig-user-id}/media` with `since`, `fields=id,caption,permalink,timestamp,
     username,like_count,comments_count,comments.limit(25){id,text,timestamp,username,from,
     like_count,replies{id,text,timestamp,username,from,like_count}}`: the account's media
     with their comments and replies embedded. Comments and replies are published, the
     account's own media are not (they are the brand speaking). Longer threads page on
     through `GET /v21.0/{media-id}/comments` and `GET /v21.0/{comment-id}/replies`.
  2. `GET /v21.0/{ig-user-id}/tags`: media by others in which the account is tagged.
  Once per cursor, `GET /v21.0/{ig-user-id}?fields=id,username` for the account's handle.
  Not fetched: @mentions in other people's captions and comments (Instagram only tells
  those through the `mentions` webhook, which the webhook receiver will handle), stories.
- Paging: Graph cursors (`paging.cursors.after`; the last page has no `paging.next`). A round
  is media pages, then tags pages. New means created after a time watermark (the newest item
  of the last finished round; the backfill window on a first run), ids at exactly the
  watermark second remembered. Comments have no documented order, so every comment page of
  a listed media is read; tags come newest first, so tags paging stops at the first media
  older than the watermark. Media are listed `since` the earlier of the watermark and
  `graph_comment_window_days` ago: new comments under older media are not seen.
- Nesting and the cursor: one `fetch_page` is one media (or tags) page *with every new
  comment and reply of its media*; the cursor it returns points after that whole page,
  never into a thread. A failure while paging a thread fails the page: nothing of it is
  published and the same media page is fetched again. So no item between two cursors is
  skipped; repeats are possible (the pipeline dedupes by post_id).
- Rate limits: as Facebook (`graph.read_rate_limit`, `graph.read_error`): usage headers with
  `estimated_time_to_regain_access`, throttling codes 4, 17, 32, 613, 80001-80006 (80002 is
  Instagram's business use case limit) as `rate_limited`, 190 and 10/200-299 as `auth_error`.
- Delivery: at-least-once (cursor saved after Kafka confirmed the page). Instagram gives no
  permalink per comment: a comment's url is its media's permalink.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.connectors import graph
from crawlers.connectors.base import (
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
from crawlers.connectors.graph import GraphConnector, Watermark
from pipeline.settings import ConnectorSettings
from schemas import Author, Channel, Engagement, RawPost, make_post_id

REPLY_FIELDS = "id,text,timestamp,username,from,like_count"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
# 25 media with 25 comments each keeps one nested response well under Graph's size limit
# ("Please reduce the amount of data you're asking for", code 1).
MEDIA_PER_PAGE = 25
EMBEDDED_COMMENTS = 25
TAG_FIELDS = "id,caption,media_type,permalink,timestamp,username,like_count,comments_count"
MEDIA_FIELDS = f"{TAG_FIELDS},comments.limit({EMBEDDED_COMMENTS}){{{COMMENT_FIELDS}}}"
ACCOUNT_FIELDS = "id,username"
# Instagram usernames: letters, digits, periods and underscores, up to 30 characters.
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.]{1,30})")


class InstagramConnector(GraphConnector):
    """Comments, replies and tags of one Instagram business account (the query is its user id)."""

    name = "instagram"
    channel = Channel.INSTAGRAM

    @staticmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        return GraphConnector.graph_endpoint(settings, settings.instagram_token, settings.instagram_user_id)

    def fetch_page(self, cursor: Cursor | None) -> Page:
        cursor = dict(cursor or {})
        user_id = self.options.query
        if not user_id:
            raise FetchError(Status.AUTH_ERROR, "no user id: set connectors.instagram_user_id or pass --query")
        mark = Watermark.from_cursor(cursor, self.options.backfill_from)
        handle = cursor.get("handle") or self._handle_of(user_id, ACCOUNT_FIELDS, "account")
        if cursor.get("phase", "media") == "media":
            since = cursor.get("since") or graph.unix(min(mark.mark, self._window_start()))
            params: dict[str, str | int] = {"fields": MEDIA_FIELDS, "limit": MEDIA_PER_PAGE, "since": since}
            if cursor.get("after"):
                params["after"] = cursor["after"]
            media, after = graph.read_list(self.api.get(f"/{self._version}/{user_id}/media", params).data, "media")
            items = [item for m in media for item in self._thread_items(m, handle, mark)]
            following = {"phase": "media", "since": since, "after": after} if after else {"phase": "tags"}
            return Page(items=items, cursor={"handle": handle, **mark.running(), **following}, has_more=True)

        params = {"fields": TAG_FIELDS, "limit": self.options.page_size}
        if cursor.get("after"):
            params["after"] = cursor["after"]
        media, after = graph.read_list(self.api.get(f"/{self._version}/{user_id}/tags", params).data, "tags")
        items: list[Item] = []
        older_reached = False
        for m in media:
            at = graph.parse_time(m.get("timestamp")) if isinstance(m, dict) else None
            older_reached = older_reached or (at is not None and at < mark.mark)
            if _take(mark, m):
                items.append({"kind": "tag", "media": m, "account": handle})
        if after and not older_reached:  # newest first: the rest is older than the watermark
            following = {"handle": handle, **mark.running(), "phase": "tags", "after": after}
            return Page(items=items, cursor=following, has_more=True)
        return Page(items=items, cursor={"handle": handle, **mark.finished()}, has_more=False)

    def _thread_items(self, media: Any, handle: str, mark: Watermark) -> list[Item]:
        """The new comments and replies under one of the account's media, all pages of them."""
        if not isinstance(media, dict) or "id" not in media:
            return [{"kind": "comment", "comment": media, "media": {}, "account": handle}]  # counted as bad_payload
        about = {"id": str(media["id"]), "permalink": media.get("permalink")}
        items: list[Item] = []
        for comment in self._all(media.get("comments"), f"{media['id']}/comments", COMMENT_FIELDS):
            replies = (
                self._all(comment.get("replies"), f"{comment['id']}/replies", REPLY_FIELDS)
                if isinstance(comment, dict) and "id" in comment
                else []
            )
            if _take(mark, comment):
                item = {"kind": "comment", "comment": comment, "media": about, "account": handle}
                items.append({**item, "reply_count": len(replies)})
            parent = {"id": str(comment["id"]), "username": comment.get("username")} if replies else None
            items += [
                {"kind": "reply", "comment": r, "parent": parent, "media": about, "account": handle}
                for r in replies
                if _take(mark, r)
            ]
        return items

    def _all(self, edge: Any, path: str, fields: str) -> list[Any]:
        """Every element of an embedded Graph list, following its `after` cursor to the end."""
        found, after = graph.read_list(edge or {"data": []}, path)
        while after is not None:
            params: dict[str, str | int] = {"fields": fields, "limit": self.options.page_size, "after": after}
            more, after = graph.read_list(self.api.get(f"/{self._version}/{path}", params).data, path)
            found += more
        return found

    @staticmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        account = item["account"]
        if item["kind"] == "tag":
            media = item["media"]
            caption = media.get("caption") or ""
            username = media.get("username")
            return RawPost(
                source="instagram",
                external_id=str(media["id"]),
                channel=Channel.INSTAGRAM,
                url=media.get("permalink"),
                author=Author(handle=username) if username else None,
                text=caption,
                published_at=graph.graph_time(media.get("timestamp")),
                fetched_at=context.fetched_at,
                conversation_id=str(media["id"]),
                addressed=[account],
                mentions=mentions(caption),
                engagement=Engagement(likes=media.get("like_count"), replies=media.get("comments_count")),
            )
        if item["kind"] in ("comment", "reply"):
            comment = item["comment"]
            media = item["media"]
            parent = item.get("parent")
            text = comment.get("text") or ""
            sender = comment.get("from") if isinstance(comment.get("from"), dict) else {}
            username = comment.get("username") or sender.get("username")
            replied_to = parent.get("username") if parent else None
            return RawPost(
                source="instagram",
                external_id=str(comment["id"]),
                channel=Channel.INSTAGRAM,
                url=media.get("permalink"),
                author=Author(id=sender.get("id"), handle=username) if username or sender.get("id") else None,
                text=text,
                published_at=graph.graph_time(comment.get("timestamp")),
                fetched_at=context.fetched_at,
                in_reply_to=make_post_id("instagram", parent["id"] if parent else media["id"]),
                conversation_id=media["id"],
                # under the account's own media everything is addressed to it, except what it writes itself
                addressed=[h for h in unique_handles([replied_to, account, *leading_mentions(text)]) if h != username],
                mentions=mentions(text),
                engagement=Engagement(likes=comment.get("like_count"), replies=item.get("reply_count")),
            )
        raise ValueError(f"unknown item kind {item['kind']!r}")


def mentions(text: str) -> list[str]:
    """The @usernames in a caption or comment, in order, without '@' (a trailing period is punctuation)."""
    return unique_handles(handle.rstrip(".") for handle in _MENTION.findall(text))


def _take(mark: Watermark, node: Any) -> bool:
    if not isinstance(node, dict):
        return True  # cannot be judged or mapped: let the mapping count it as bad_payload
    return mark.take(str(node.get("id")), graph.parse_time(node.get("timestamp")))
