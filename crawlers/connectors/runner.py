"""Run one connector: fetch a page, map it, publish it, wait for Kafka, then save the cursor.

Delivery guarantee: at-least-once. A page's cursor is persisted only after
`publisher.flush()` confirmed every post of the page, so a crash or a failed
send re-fetches that page on restart; the pipeline dedupes by post_id.
An item that cannot be mapped is counted as `bad_payload` and logged with its id;
it does not hold back the page (one broken item must not stop a source).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import structlog
import prometheus_client
from pydantic import ValidationError

from crawlers.connectors.base import Connector, FetchError, MapContext, Status
from crawlers.connectors.state import CursorStore
from schemas import RawPost

log = structlog.get_logger("luister.connectors")

# Label values come from CONNECTORS keys and the Status vocabulary only, never from payloads.
PAGES = prometheus_client.Counter(
    "luister_connector_pages_total", "Connector pages by outcome status.", ["connector", "status"]
)
ITEMS = prometheus_client.Counter(
    "luister_connector_items_total", "Connector items: published or bad_payload.", ["connector", "outcome"]
)


class Publisher(Protocol):
    """What the runner needs of `crawlers.publish.RawPublisher`."""

    def publish_post(self, post: RawPost) -> None: ...

    def flush(self, timeout_s: float | None = 60.0) -> object: ...


class PublishFailed(Exception):
    """Kafka did not confirm every post of a page. Raised by `run_connector`; the cursor
    was not saved, so the page is fetched again on the next start."""


@dataclass
class RunSummary:
    """What a run did; `outcomes` counts pages by Status, `items` counts items by outcome."""

    connector: str
    query: str
    pages: int = 0
    published: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)
    last_status: Status = Status.OK
    last_error: str | None = None


def run_connector(
    connector: Connector,
    query: str,
    store: CursorStore,
    publisher: Publisher,
    *,
    once: bool,
    poll_interval_s: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    should_stop: Callable[[], bool] = lambda: False,
) -> RunSummary:
    """Fetch until caught up (`once`) or until `should_stop()` says so.

    A `FetchError` ends the round with its status: with `once` the run returns,
    otherwise it waits `poll_interval_s` and resumes from the last saved cursor.
    Raises `PublishFailed` when Kafka does not confirm a page.
    """
    summary = RunSummary(connector=connector.name, query=query)
    saved = store.load()
    cursor = saved.cursor if saved is not None and saved.query == query else None
    if saved is not None and cursor is None:
        log.warning("connector_query_changed", connector=connector.name, note="starting a new backfill")
    while not should_stop():
        try:
            page = connector.fetch_page(cursor)
        except FetchError as exc:
            summary.outcomes[str(exc.status)] += 1
            PAGES.labels(connector.name, str(exc.status)).inc()
            summary.last_status, summary.last_error = exc.status, exc.detail
            log.warning("connector_page", connector=connector.name, status=str(exc.status), detail=exc.detail)
            if once:
                return summary
            sleep(poll_interval_s)
            continue
        posts = _map_items(connector, page.items, MapContext(fetched_at=now()), summary)
        _publish_confirmed(publisher, posts)
        store.save(query, page.cursor, now())
        cursor = page.cursor
        summary.pages += 1
        summary.published += len(posts)
        summary.outcomes[str(Status.OK)] += 1
        PAGES.labels(connector.name, str(Status.OK)).inc()
        summary.last_status, summary.last_error = Status.OK, None
        log.info("connector_page", connector=connector.name, status=str(Status.OK), posts=len(posts))
        if not page.has_more:
            if once:
                return summary
            sleep(poll_interval_s)
    return summary


def _map_items(connector: Connector, items: list[dict], context: MapContext, summary: RunSummary) -> list[RawPost]:
    posts = []
    for item in items:
        try:
            posts.append(connector.to_raw_post(item, context))
        except (ValidationError, ValueError, KeyError, TypeError, AttributeError) as exc:
            summary.items[str(Status.BAD_PAYLOAD)] += 1
            ITEMS.labels(connector.name, str(Status.BAD_PAYLOAD)).inc()
            log.warning(
                "connector_item",
                connector=connector.name,
                status=str(Status.BAD_PAYLOAD),
                item_id=str(_item_id(item)),
                error=type(exc).__name__,
            )
        else:
            summary.items["published"] += 1
            ITEMS.labels(connector.name, "published").inc()
    return posts


def _item_id(item: object) -> object:
    if isinstance(item, dict):
        for key in ("id", "name"):
            if key in item:
                return item[key]
        for value in item.values():
            if isinstance(value, dict) and "id" in value:
                return value["id"]
    return None


def _publish_confirmed(publisher: Publisher, posts: list[RawPost]) -> None:
    report = getattr(publisher, "report", None)
    sent_before = getattr(report, "sent", 0)
    failed_before = getattr(report, "failed", 0)
    for post in posts:
        publisher.publish_post(post)
    report = publisher.flush()
    sent = getattr(report, "sent", 0) - sent_before
    failed = getattr(report, "failed", 0) - failed_before
    if failed or sent < len(posts):
        errors = getattr(report, "errors", [])
        raise PublishFailed(f"Kafka confirmed {sent} of {len(posts)} posts ({failed} failed): {errors[:3]}")
