"""Social API connectors: one module per API, one line per connector in `CONNECTORS`.

See docs/how_to_add_a_connector.md. `build_connector` turns settings into a ready
connector; `runner.run_connector` drives it into Kafka.

Streaming counterparts (`luister connect NAME --stream`) are not `Connector`s: they live in
`STREAMS`, keyed by the name of the polling connector they pair with (they share its
mapping and cursor); `build_stream` wires one, `stream_runner.run_stream` drives it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from crawlers.connectors.base import Connector, ConnectorOptions, FetchError, Page, Status
from crawlers.connectors.bluesky import BlueskyConnector
from crawlers.connectors.facebook import FacebookConnector
from crawlers.connectors.http import ApiClient, RetryPolicy
from crawlers.connectors.instagram import InstagramConnector
from crawlers.connectors.mastodon import MastodonConnector
from crawlers.connectors.mastodon_stream import MastodonStreamConnector
from crawlers.connectors.reddit import RedditConnector
from crawlers.connectors.stream import ReconnectPolicy, StreamConnector
from crawlers.connectors.stream_runner import StreamOptions
from crawlers.connectors.x import XConnector
from crawlers.connectors.x_stream import XStreamConnector
from crawlers.connectors.youtube import YouTubeConnector
from pipeline.settings import Settings

CONNECTORS: dict[str, type[Connector]] = {
    "x": XConnector,
    "reddit": RedditConnector,
    "mastodon": MastodonConnector,
    "bluesky": BlueskyConnector,
    "facebook": FacebookConnector,
    "instagram": InstagramConnector,
    "youtube": YouTubeConnector,
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
        read_error=cls.read_error,
        token_param=endpoint.token_param,
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


STREAMS: dict[str, type[StreamConnector]] = {
    "x": XStreamConnector,
    "mastodon": MastodonStreamConnector,
}


def build_stream(
    settings: Settings,
    name: str,
    query: str | None = None,
    *,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
) -> StreamConnector:
    """A stream from STREAMS around its polling connector (`build_connector`, same arguments).

    The stream's own client has the poller's token and a read timeout of
    `connectors.stream_read_timeout_s`. Raises KeyError for a name not in STREAMS.
    """
    cls = STREAMS[name]
    poller = build_connector(settings, name, query, sleep=sleep, clock=clock, now=now, transport=transport)
    token = cls.poller_class.endpoint(settings.connectors).token
    headers = {"User-Agent": settings.sources.user_agent}
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    connect_s = settings.sources.request_timeout_s
    client = httpx.Client(
        base_url=cls.stream_url(settings.connectors),
        headers=headers,
        timeout=httpx.Timeout(connect_s, read=settings.connectors.stream_read_timeout_s),
        transport=transport,
        follow_redirects=True,
    )
    return cls(poller, client)


def stream_options(settings: Settings, max_posts: int | None = None) -> StreamOptions:
    """Flush and reconnect settings of a stream run (`max_posts`: stop after that many posts)."""
    c = settings.connectors
    policy = ReconnectPolicy(
        network_max_s=c.stream_network_backoff_max_s,
        http_max_s=c.stream_http_backoff_max_s,
        rate_limit_max_s=c.stream_rate_limit_backoff_max_s,
    )
    return StreamOptions(
        flush_posts=c.stream_flush_posts, flush_interval_s=c.stream_flush_interval_s, policy=policy, max_posts=max_posts
    )


__all__ = [
    "CONNECTORS", "Connector", "ConnectorOptions", "FetchError", "Page", "Status",
    "STREAMS", "build_connector", "build_stream", "stream_options",
]
