"""Facebook Page: what people write on and about the brand's own page (Meta Graph API).

- API: Graph API v21.0 (`connectors.graph_api_version`), a Page access token with
  `pages_read_engagement` and `pages_read_user_content`, sent as `Authorization: Bearer`
  (Graph accepts it there; it never goes in a URL). The query is the page id.
- What is fetched (the subset a webcare team answers):
  1. `GET /v21.0/{page-id}/feed` with `since`, `fields=id,message,created_time,
     permalink_url,from,…,comments.filter(stream).order(reverse_chronological)
     .limit(25).summary(true){id,message,created_time,from,parent{id},permalink_url,
     like_count,comment_count}`: the page's posts and visitor posts, each with its newest
     comments and replies embedded (one request per 25 posts instead of one per post).
     Comments and replies under any of them, and visitor posts (`from` is not the page),
     are published; the page's own posts are not (they are the brand speaking).
     A post with more new comments than embedded pages on through
     `GET /v21.0/{post-id}/comments?filter=stream&order=reverse_chronological`.
  2. `GET /v21.0/{page-id}/tagged` with `since`: posts by others that tag the page.
  Once per cursor, `GET /v21.0/{page-id}?fields=id,name,username` for the page's handle
  (what `addressed` holds; the page id when the page has no username).
  Not fetched: reactions as posts, Messenger (a push channel), ratings.
- Paging: Graph cursors (`paging.cursors.after`; the last page has no `paging.next`).
  A round is feed pages, then tagged pages. New means created after a time watermark (the
  newest item of the last finished round; the backfill window on a first run), ids at
  exactly the watermark second remembered. Comments come newest first, so a post's comment
  paging stops at the first comment older than the watermark. The feed is listed `since`
  the earlier of the watermark and `graph_comment_window_days` ago: new comments under
  posts older than that window are not seen.
- Nesting and the cursor: one `fetch_page` is one feed (or tagged) page *with every new
  comment of its posts*; the cursor it returns points after that whole page, never into a
  post's comments. A failure while paging a post's comments fails the page: nothing of it
  is published and the same feed page is fetched again. So no item between two cursors
  is skipped; repeats are possible (the pipeline dedupes by post_id).
- Rate limits: `X-App-Usage` and `X-Business-Use-Case-Usage` (percent used,
  `estimated_time_to_regain_access` in minutes) are read by `graph.read_rate_limit`;
  throttling codes (4, 17, 32, 613, 80001-80006, sent as HTTP 400/403) end the page as
  `rate_limited` and the next request waits for the estimate; code 190 (token expired or
  invalid) and 10/200-299 (permission) are `auth_error` (`graph.read_error`).
- Delivery: at-least-once (cursor saved after Kafka confirmed the page). A comment that
  appears later than its created_time (held for review, then approved) and is older than the
  watermark by then is missed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crawlers.connectors import graph
from crawlers.connectors.base import Cursor, Endpoint, FetchError, Item, MapContext, Page, Status
from crawlers.connectors.graph import GraphConnector, Watermark
from pipeline.settings import ConnectorSettings
from schemas import Author, Channel, Engagement, RawPost, make_post_id

COMMENT_FIELDS = "id,message,created_time,from,parent{id},permalink_url,like_count,comment_count"
# 25 posts with 25 comments each: Graph refuses nested responses that are too large
# ("Please reduce the amount of data you're asking for", code 1); this stays well under it.
POSTS_PER_PAGE = 25
EMBEDDED_COMMENTS = 25
COMMENTS_EDGE = "comments.filter(stream).order(reverse_chronological)"
POST_FIELDS = "id,message,created_time,permalink_url,from,shares,reactions.summary(total_count).limit(0)"
FEED_FIELDS = f"{POST_FIELDS},{COMMENTS_EDGE}.limit({EMBEDDED_COMMENTS}).summary(true){{{COMMENT_FIELDS}}}"
TAGGED_FIELDS = f"{POST_FIELDS},comments.summary(true).limit(0)"
PAGE_FIELDS = "id,name,username"


class FacebookConnector(GraphConnector):
    """Comments, visitor posts and tags on one Facebook Page (the query is the page id)."""

    name = "facebook"
    channel = Channel.FACEBOOK

    @staticmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        return GraphConnector.graph_endpoint(settings, settings.facebook_page_token, settings.facebook_page_id)

    def fetch_page(self, cursor: Cursor | None) -> Page:
        cursor = dict(cursor or {})
        page_id = self.options.query
        if not page_id:
            raise FetchError(Status.AUTH_ERROR, "no page id: set connectors.facebook_page_id or pass --query")
        mark = Watermark.from_cursor(cursor, self.options.backfill_from)
        handle = cursor.get("handle") or self._handle_of(page_id, PAGE_FIELDS, "page")
        if cursor.get("phase", "feed") == "feed":
            since = cursor.get("since") or graph.unix(min(mark.mark, self._window_start()))
            params: dict[str, str | int] = {"fields": FEED_FIELDS, "limit": POSTS_PER_PAGE, "since": since}
            if cursor.get("after"):
                params["after"] = cursor["after"]
            posts, after = graph.read_list(self.api.get(f"/{self._version}/{page_id}/feed", params).data, "feed")
            items = [item for post in posts for item in self._post_items(post, page_id, handle, mark)]
            following = {"phase": "feed", "since": since, "after": after} if after else {"phase": "tagged"}
            return Page(items=items, cursor={"handle": handle, **mark.running(), **following}, has_more=True)

        # Tags carry their own time; one second of margin in case Graph's `since` is exclusive.
        since = graph.unix(mark.mark - timedelta(seconds=1))
        params = {"fields": TAGGED_FIELDS, "limit": self.options.page_size, "since": since}
        if cursor.get("after"):
            params["after"] = cursor["after"]
        posts, after = graph.read_list(self.api.get(f"/{self._version}/{page_id}/tagged", params).data, "tagged")
        page = {"id": page_id, "handle": handle}
        items = [{"kind": "tag", "post": p, "page": page} for p in posts if _take(mark, p, "created_time")]
        if after:
            following = {"handle": handle, **mark.running(), "phase": "tagged", "after": after}
            return Page(items=items, cursor=following, has_more=True)
        return Page(items=items, cursor={"handle": handle, **mark.finished()}, has_more=False)

    def _post_items(self, post: Any, page_id: str, handle: str, mark: Watermark) -> list[Item]:
        """A visitor post if new, then its new comments and replies (paging on as far as needed)."""
        page = {"id": page_id, "handle": handle}
        if not isinstance(post, dict) or "id" not in post:
            return [{"kind": "post", "post": post, "page": page}]  # cannot be mapped: counted as bad_payload
        items: list[Item] = []
        sender = post.get("from")
        by_page = isinstance(sender, dict) and str(sender.get("id")) == page_id
        if not by_page and _take(mark, post, "created_time"):
            items.append({"kind": "post", "post": post, "page": page})
        post_id = str(post["id"])
        edge = post.get("comments") or {"data": []}
        while True:
            comments, after = graph.read_list(edge, "comments")
            older_reached = False
            for comment in comments:
                at = graph.parse_time(comment.get("created_time")) if isinstance(comment, dict) else None
                older_reached = older_reached or (at is not None and at < mark.mark)
                if _take(mark, comment, "created_time"):
                    items.append({"kind": "comment", "comment": comment, "post_id": post_id, "page": page})
            if after is None or older_reached:  # newest first: the rest is older than the watermark
                return items
            params: dict[str, str | int] = {
                "fields": COMMENT_FIELDS,
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": self.options.page_size,
                "after": after,
            }
            edge = self.api.get(f"/{self._version}/{post_id}/comments", params).data

    @staticmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        page = item["page"]
        if item["kind"] == "comment":
            comment = item["comment"]
            post_id = item["post_id"]
            parent = (comment.get("parent") or {}).get("id")
            author = _author(comment.get("from"), page)
            return RawPost(
                source="facebook",
                external_id=str(comment["id"]),
                channel=Channel.FACEBOOK,
                url=comment.get("permalink_url"),
                author=author,
                text=comment.get("message") or "",
                published_at=graph.graph_time(comment.get("created_time")),
                fetched_at=context.fetched_at,
                in_reply_to=make_post_id("facebook", str(parent or post_id)),
                conversation_id=post_id,
                addressed=_addressed(author, page),
                engagement=Engagement(likes=comment.get("like_count"), replies=comment.get("comment_count")),
            )
        if item["kind"] in ("post", "tag"):
            post = item["post"]
            author = _author(post.get("from"), page)
            return RawPost(
                source="facebook",
                external_id=str(post["id"]),
                channel=Channel.FACEBOOK,
                url=post.get("permalink_url"),
                author=author,
                text=post.get("message") or "",
                published_at=graph.graph_time(post.get("created_time")),
                fetched_at=context.fetched_at,
                conversation_id=str(post["id"]),
                addressed=_addressed(author, page),
                engagement=Engagement(
                    likes=_summary_count(post.get("reactions")),
                    replies=_summary_count(post.get("comments")),
                    shares=(post.get("shares") or {}).get("count"),
                ),
            )
        raise ValueError(f"unknown item kind {item['kind']!r}")


def _take(mark: Watermark, node: Any, time_field: str) -> bool:
    if not isinstance(node, dict):
        return True  # cannot be judged or mapped: let the mapping count it as bad_payload
    return mark.take(str(node.get("id")), graph.parse_time(node.get(time_field)))


def _author(sender: Any, page: dict[str, str]) -> Author | None:
    """`from` is {id, name}; people have no handle on Facebook, the page has its username."""
    if not isinstance(sender, dict) or not sender.get("id"):
        return None  # Graph leaves `from` out when it may not show the person
    is_page = str(sender["id"]) == page["id"]
    return Author(id=str(sender["id"]), handle=page["handle"] if is_page else None, display_name=sender.get("name"))


def _addressed(author: Author | None, page: dict[str, str]) -> list[str]:
    """Everything on the page is addressed to the page, except what the page writes itself."""
    return [] if author is not None and author.id == page["id"] else [page["handle"]]


def _summary_count(edge: Any) -> int | None:
    summary = edge.get("summary") if isinstance(edge, dict) else None
    count = summary.get("total_count") if isinstance(summary, dict) else None
    return count if isinstance(count, int) else None
