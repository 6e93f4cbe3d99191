"""Social API connectors: one module per API, one line per connector in `CONNECTORS`.

See docs/how_to_add_a_connector.md. `build_connector` turns settings into a ready
connector; `runner.run_connector` drives it into Kafka.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from crawlers.connectors.base import Connector, ConnectorOptions, FetchError, Page, Status
from crawlers.connectors.bluesky import BlueskyConnector
from crawlers.connectors.http import ApiClient, RetryPolicy
from crawlers.connectors.mastodon import MastodonConnector
from crawlers.connectors.reddit import RedditConnector
from crawlers.connectors.x import XConnector
from pipeline.settings import Settings

CONNECTORS: dict[str, type[Connector]] = {
    "x": XConnector,
    "reddit": RedditConnector,
    "mastodon": MastodonConnector,
    "bluesky": BlueskyConnector,
}


def build_connector(
    settings: Settings,
    name: str,
    query: str | None = None,
    *,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Connector:
    """A connector from the registry, wired to its API with the settings' URL, token and retry policy.

    `query` overrides the connector's default query from settings; `now` fixes the
    connector's clock and the end of the backfill window (default: the real clock); `sleep`, `clock` and `transport` are for tests.
    Raises KeyError for a name not in CONNECTORS.
    """
    cls = CONNECTORS[name]
    c = settings.connectors
    endpoint = cls.endpoint(c)
    retry = RetryPolicy(
        max_attempts=c.max_attempts,
        backoff_initial_s=c.backoff_initial_s,
        backoff_max_s=c.backoff_max_s,
        max_rate_limit_wait_s=c.max_rate_limit_wait_s,
    )
    api = ApiClient(
        endpoint.base_url,
        token=endpoint.token,
        user_agent=settings.sources.user_agent,
        timeout_s=settings.sources.request_timeout_s,
        retry=retry,
        rate_limit=cls.read_rate_limit,
        transport=transport,
        **({"sleep": sleep} if sleep is not None else {}),
        **({"clock": clock} if clock is not None else {}),
    )
    backfill_from = (now or datetime.now(UTC)) - timedelta(days=settings.sources.backfill_days)
    fixed_clock = {"clock": lambda: now} if now is not None else {}
    options = ConnectorOptions(
        query=query or endpoint.default_query,
        page_size=c.page_size,
        backfill_from=backfill_from,
        extra=endpoint.extra,
        **fixed_clock,
    )
    return cls(api, options)


__all__ = ["CONNECTORS", "Connector", "ConnectorOptions", "FetchError", "Page", "Status", "build_connector"]
