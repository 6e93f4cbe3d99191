"""What the Facebook and Instagram connectors share: the Meta Graph API's wire conventions.

- Version: every path starts with the pinned Graph API version (`GRAPH_API_VERSION`,
  v21.0; `connectors.graph_api_version` moves it). Meta keeps a version for about two years.
- Lists (`/{id}/feed`, `/{id}/comments`, `/{id}/media`, ...) are `{"data": [...],
  "paging": {"cursors": {"before", "after"}, "next"}}`; a page without `paging.next` is the
  last one, whatever `cursors.after` says. We page with `after` and the same parameters
  rather than following `next` (an absolute URL that would carry a query token if one had
  been sent; ours goes in the `Authorization: Bearer` header only).
- Times are ISO 8601 with a `+0000` offset, to the second.
- Rate limits: usage in percent of the quota in `X-App-Usage` (`call_count`, `total_time`,
  `total_cputime`) and `X-Business-Use-Case-Usage` (per business id, a list of
  `{type, call_count, total_time, total_cputime, estimated_time_to_regain_access}`, the last
  in minutes). Throttling comes as HTTP 400/403 (not 429) with an error code in the body.
- Errors: `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`; only the
  numeric codes reach our logs (the message can echo request data).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from crawlers.connectors.base import Connector, Cursor, Endpoint, FetchError, Status

GRAPH_API_VERSION = "v21.0"

# Graph's throttling codes: 4 app limit, 17 user limit, 32 page limit, 613 "calls exceeded the
# rate limit", 80001-80006 business use case limits (pages, Instagram, ads, ...).
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80007)})
# 190 access token expired or invalid, 102 session invalid, 10 and 200-299 permission missing:
# retrying cannot help until someone issues a new token or grants the permission.
AUTH_CODES = frozenset({102, 190, 10, *range(200, 300)})


def read_error(_http_status: int, body: Any) -> tuple[Status, str] | None:
    """The status of a Graph 4xx from its error code (throttling is a 400/403, not a 429).

    Returns None for a body that is not a Graph error, so the HTTP layer's default applies.
    """
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(code, int):
        return None
    subcode = error.get("error_subcode")
    reason = f"Graph error {code}" + (f"/{subcode}" if isinstance(subcode, int) else "")
    if code in THROTTLE_CODES:
        return Status.RATE_LIMITED, reason
    if code in AUTH_CODES:
        return Status.AUTH_ERROR, reason
    return Status.HTTP_ERROR, reason


def read_rate_limit(headers: httpx.Headers, now: float) -> tuple[int | None, float | None]:
    """(percent left of the most used quota, when access returns) from Graph's usage headers.

    Graph reports usage in percent, not requests left; 0 left (usage at 100 % or an
    `estimated_time_to_regain_access` above 0) makes the HTTP layer wait until the estimate
    before its next request. No usage headers: (None, None).
    """
    highest: float | None = None
    regain_min = 0.0
    for usage in _usages(headers):
        for key in ("call_count", "total_time", "total_cputime"):
            value = usage.get(key)
            if isinstance(value, int | float) and (highest is None or value > highest):
                highest = float(value)
        value = usage.get("estimated_time_to_regain_access")
        if isinstance(value, int | float) and value > regain_min:
            regain_min = float(value)
    if highest is None and regain_min == 0:
        return None, None
    remaining = 0 if regain_min > 0 else max(0, 100 - math.ceil(highest or 0))
    return remaining, now + regain_min * 60 if regain_min > 0 else None


def _usages(headers: httpx.Headers) -> list[dict]:
    found: list[dict] = []
    app = _json_header(headers.get("x-app-usage"))
    if isinstance(app, dict):
        found.append(app)
    business = _json_header(headers.get("x-business-use-case-usage"))
    if isinstance(business, dict):
        for entries in business.values():
            found += [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return found


def _json_header(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def parse_time(value: Any) -> datetime | None:
    """A Graph time ('2026-11-21T08:00:00+0000') as an aware datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def graph_time(value: Any) -> datetime:
    """Like `parse_time`, for mapping: raises ValueError/TypeError for a missing or bad time."""
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"not a Graph time: {value!r}")
    return parsed


def read_list(data: Any, what: str) -> tuple[list[Any], str | None]:
    """(items, the `after` cursor of the next page or None on the last page) of a Graph list.

    Raises FetchError(bad_payload) when `data` is not a Graph list.
    """
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise FetchError(Status.BAD_PAYLOAD, f"{what} response has no 'data' list")
    paging = data.get("paging")
    paging = paging if isinstance(paging, dict) else {}
    cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
    after = cursors.get("after")
    return data["data"], str(after) if paging.get("next") and after else None


def read_node(data: Any, what: str) -> dict:
    """A Graph node (an object with an `id`); raises FetchError(bad_payload) otherwise."""
    if not isinstance(data, dict) or "id" not in data:
        raise FetchError(Status.BAD_PAYLOAD, f"{what} response is not a Graph node with an 'id'")
    return data


@dataclass
class Watermark:
    """Which items are new: later than `mark`, or exactly at it and not among `seen`.

    `mark` is the newest time published by the last finished round (the backfill start on a
    first run); the running round collects its own newest time in `newest`/`newest_seen`
    and hands it on through the cursor, so it becomes the mark only once the round is over.
    """

    mark: datetime
    seen: set[str] = field(default_factory=set)
    newest: datetime | None = None
    newest_seen: list[str] = field(default_factory=list)

    @classmethod
    def from_cursor(cls, cursor: Cursor, start: datetime | None) -> Watermark:
        mark = parse_time(cursor.get("watermark")) or start or datetime(1970, 1, 1, tzinfo=UTC)
        newest = parse_time(cursor.get("round_newest"))
        return cls(
            mark=mark,
            seen=set(cursor.get("seen", "").split()),
            newest=newest,
            newest_seen=cursor.get("round_seen", "").split() if newest else [],
        )

    def is_new(self, item_id: str, at: datetime | None) -> bool:
        """True for an item after the mark; an item without a time is new (mapping will judge it)."""
        return at is None or at > self.mark or (at == self.mark and item_id not in self.seen)

    def take(self, item_id: str, at: datetime | None) -> bool:
        """`is_new`, and remember a new item's time for the next round's mark."""
        if not self.is_new(item_id, at):
            return False
        if at is not None:
            if self.newest is None or at > self.newest:
                self.newest, self.newest_seen = at, [item_id]
            elif at == self.newest and item_id not in self.newest_seen:
                self.newest_seen.append(item_id)
        return True

    def running(self) -> Cursor:
        """Cursor fields while the round goes on: the old mark, and the round's newest so far."""
        fields = {"watermark": _iso(self.mark), "seen": " ".join(sorted(self.seen))}
        if self.newest is not None:
            fields.update(round_newest=_iso(self.newest), round_seen=" ".join(self.newest_seen))
        return fields

    def finished(self) -> Cursor:
        """Cursor fields after the round: its newest time becomes the mark."""
        if self.newest is None or self.newest < self.mark:
            return {"watermark": _iso(self.mark), "seen": " ".join(sorted(self.seen))}
        if self.newest == self.mark:
            return {"watermark": _iso(self.mark), "seen": " ".join(sorted(self.seen | set(self.newest_seen)))}
        return {"watermark": _iso(self.newest), "seen": " ".join(self.newest_seen)}


def unix(when: datetime) -> str:
    """Graph's `since` parameter: whole Unix seconds."""
    return str(math.floor(when.timestamp()))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


class GraphConnector(Connector):
    """What the Facebook and Instagram connectors share: Graph's error and rate-limit reading,
    the pinned API version, the comment window and the handle lookup of the owned object."""

    read_rate_limit = staticmethod(read_rate_limit)
    read_error = staticmethod(read_error)

    @staticmethod
    def graph_endpoint(settings: Any, token: Any, object_id: str | None) -> Endpoint:
        """The Graph base URL, a token, the owned page/account id as the query, version and window as extras."""
        extra = {"version": settings.graph_api_version, "comment_window_days": str(settings.graph_comment_window_days)}
        return Endpoint(settings.graph_base_url, token, object_id or "", extra)

    @property
    def _version(self) -> str:
        return self.options.extra.get("version", GRAPH_API_VERSION)

    def _window_start(self) -> datetime:
        return self.options.clock() - timedelta(days=int(self.options.extra.get("comment_window_days", "14")))

    def _handle_of(self, object_id: str, fields: str, what: str) -> str:
        """The owned page's or account's username (its id when it has none)."""
        node = read_node(self.api.get(f"/{self._version}/{object_id}", {"fields": fields}).data, what)
        return str(node.get("username") or node["id"])
