"""Poll feeds on their schedules and publish their new entries to posts.raw.

Every fetch ends in one ``FetchStatus`` from a fixed vocabulary, logged (structlog event
``feed_polled``) and counted (Prometheus ``luister_feed_fetches_total{status}``). A feed that
fails waits ``interval * 2**failures`` (capped at settings.feeds.max_backoff_s; a Retry-After
on 429/503 is honoured up to the same cap) before its next poll; a success resets it.

Delivery: new entries are published, Kafka's confirmation is awaited, and only then are
they recorded as emitted (with the feed's new ETag / Last-Modified, in one sqlite
transaction). A crash in between re-emits them on restart: at-least-once, and the pipeline
dedupes by post_id. When publishing fails, the validators are not saved either, so the
next poll fetches the full feed again instead of getting a 304 and losing the entries.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import structlog
from prometheus_client import Counter

from crawlers.feeds.config import FeedConfig
from crawlers.feeds.mapping import FeedParseError, map_feed, parse_feed
from crawlers.feeds.state import FeedState, FeedStateStore
from crawlers.publish import PublishReport
from crawlers.retry_after import parse_retry_after
from pipeline.settings import Settings
from schemas import RawPost

log = structlog.get_logger("luister.feeds")


class FetchStatus(StrEnum):
    """How one poll of one feed ended: the only values in logs, metrics and summaries."""

    OK = "ok"  # fetched and parsed; new entries (if any) confirmed by Kafka
    NOT_MODIFIED = "not_modified"  # 304: the ETag / Last-Modified still matched
    HTTP_ERROR = "http_error"  # 4xx or 5xx other than the rate-limit answers
    RATE_LIMITED = "rate_limited"  # 429, or 503 with Retry-After
    NETWORK_ERROR = "network_error"  # DNS, refused connection, TLS, broken transfer
    TIMEOUT = "timeout"  # no complete answer within settings.sources.request_timeout_s
    TOO_LARGE = "too_large"  # body over settings.feeds.max_feed_bytes
    PARSE_ERROR = "parse_error"  # not well-formed XML, or not a feed
    PUBLISH_ERROR = "publish_error"  # Kafka did not confirm every new entry; retried next poll


SUCCESS = frozenset({FetchStatus.OK, FetchStatus.NOT_MODIFIED})

FETCHES = Counter("luister_feed_fetches_total", "Feed polls by outcome.", ["status"])
ENTRIES = Counter(
    "luister_feed_entries_total", "Feed entries seen by outcome (new, known, repeated, invalid).", ["outcome"]
)

# 429 is always a rate limit; 503 is one when it says when to come back (Retry-After).
_RATE_LIMIT_CODES = (429, 503)


class Publisher(Protocol):
    """What the poller needs from crawlers.publish.RawPublisher."""

    def publish_post(self, post: RawPost) -> None: ...

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport: ...


@dataclass
class FetchResult:
    """The outcome of one HTTP fetch, before parsing."""

    status: FetchStatus
    http_status: int | None = None
    content: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after_s: float | None = None
    error: str | None = None


@dataclass
class PollResult:
    """What one poll of one feed did; the CLI's summary row."""

    feed: FeedConfig
    status: FetchStatus
    next_due: datetime
    http_status: int | None = None
    new: int = 0
    known: int = 0
    invalid: int = 0
    error: str | None = None
    posts: list[RawPost] = field(default_factory=list, repr=False)


def host_key(url: str) -> str:
    """The politeness key of a feed URL: its host and port, lower case ('www.nos.example:443')."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


class FetchSlots:
    """At most ``total`` fetches at a time, and at most ``per_host`` of them to one host (``host_key``).

    A feed first waits for its host, then for a slot: a feed queued behind a busy host holds no
    slot, so 40 section feeds of one site cannot starve the other sites' feeds.
    """

    def __init__(self, total: int, per_host: int) -> None:
        self._total = asyncio.Semaphore(total)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))

    @asynccontextmanager
    async def hold(self, url: str) -> AsyncIterator[None]:
        async with self._hosts[host_key(url)], self._total:
            yield


def next_delay(interval_s: float, failures: int, max_backoff_s: float, retry_after_s: float | None = None) -> float:
    """Seconds until the next poll: the interval after a success; after the n-th failure in a
    row ``interval * 2**n`` capped at ``max_backoff_s``, but never sooner than Retry-After
    (itself capped at ``max_backoff_s``, so a misconfigured server cannot silence a feed for
    longer than our own ceiling)."""
    if failures <= 0:
        delay = interval_s
    else:
        delay = min(interval_s * 2 ** min(failures, 32), max_backoff_s)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, max_backoff_s))
    return max(delay, 0.0)


async def fetch_feed(
    client: httpx.AsyncClient, url: str, state: FeedState, *, timeout_s: float, max_bytes: int, now: datetime
) -> FetchResult:
    """GET a feed conditionally (If-None-Match / If-Modified-Since from ``state``).

    Never raises for anything the server or network does: every outcome is a FetchResult.
    ``timeout_s`` bounds the whole exchange, not only each read (a server trickling bytes
    cannot hold a slot forever).
    """
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        async with asyncio.timeout(timeout_s):
            async with client.stream("GET", url, headers=headers) as response:
                code = response.status_code
                if code == 304:
                    return FetchResult(FetchStatus.NOT_MODIFIED, code)
                retry_after = parse_retry_after(response.headers.get("retry-after"), now)
                if code == 429 or (code in _RATE_LIMIT_CODES and retry_after is not None):
                    return FetchResult(FetchStatus.RATE_LIMITED, code, retry_after_s=retry_after,
                                       error=f"HTTP {code}")
                if not 200 <= code < 300:
                    return FetchResult(FetchStatus.HTTP_ERROR, code, error=f"HTTP {code} {response.reason_phrase}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    return FetchResult(FetchStatus.TOO_LARGE, code, error=f"{declared} bytes > {max_bytes}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        return FetchResult(FetchStatus.TOO_LARGE, code, error=f"more than {max_bytes} bytes")
                return FetchResult(
                    FetchStatus.OK,
                    code,
                    content=bytes(body),
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
    except (TimeoutError, httpx.TimeoutException):
        return FetchResult(FetchStatus.TIMEOUT, error=f"no complete answer within {timeout_s:g} s")
    except httpx.HTTPError as exc:
        return FetchResult(FetchStatus.NETWORK_ERROR, error=f"{type(exc).__name__}: {exc}")


def utc_now() -> datetime:
    return datetime.now(UTC)


class FeedPoller:
    """Polls a list of feeds: ``poll_due()`` once over every due feed, ``run()`` for ever.

    ``clock`` gives the current time (tests pin it). The poller owns neither the publisher nor the store: the caller
    opens and closes them.
    """

    def __init__(
        self,
        feeds: list[FeedConfig],
        settings: Settings,
        publisher: Publisher,
        store: FeedStateStore,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.feeds = feeds
        self.settings = settings
        self.publisher = publisher
        self.store = store
        self.clock = clock
        self._next_due = {feed.url: store.load(feed.url).next_due for feed in feeds}

    def client(self) -> httpx.AsyncClient:
        """One HTTP client for a run: our User-Agent, redirects followed, pooled connections."""
        return httpx.AsyncClient(
            headers={"User-Agent": self.settings.sources.user_agent},
            timeout=httpx.Timeout(self.settings.sources.request_timeout_s),
            follow_redirects=True,
            limits=httpx.Limits(max_connections=self.settings.feeds.max_concurrency),
        )

    def due(self, now: datetime | None = None) -> list[FeedConfig]:
        """The feeds whose next poll time has come."""
        moment = (now or self.clock()).timestamp()
        return [feed for feed in self.feeds if self._next_due[feed.url] <= moment]

    def slots(self) -> FetchSlots:
        """The fetch limits of one run: settings.feeds.max_concurrency, max_per_host."""
        return FetchSlots(self.settings.feeds.max_concurrency, self.settings.feeds.max_per_host)

    async def poll_due(self) -> list[PollResult]:
        """Poll every due feed once (at most settings.feeds.max_concurrency at a time, at most
        settings.feeds.max_per_host to one host)."""
        due = self.due()
        slots = self.slots()
        publish_lock = asyncio.Lock()
        async with self.client() as client:
            return list(await asyncio.gather(*(self.poll_feed(f, client, slots, publish_lock) for f in due)))

    async def run(self, stop: asyncio.Event | None = None,
                  on_result: Callable[[PollResult], None] = lambda _r: None) -> None:
        """Poll for ever (or until ``stop`` is set), each feed when it is due. A slow feed
        holds only its own slot: feeds are started as they come due, not in rounds.

        The idle feeds wait in a heap by due time and a finished poll wakes the loop, so one
        wake costs O(log n), not a scan of every feed: a round of thousands of feeds is not
        quadratic (benchmarks/feeds.py measured the scan at 2,000 feeds: 2x the round time)."""
        stop = stop or asyncio.Event()
        slots = self.slots()
        publish_lock = asyncio.Lock()
        by_url = {feed.url: feed for feed in self.feeds}
        idle = [(self._next_due[url], url) for url in by_url]
        heapq.heapify(idle)
        in_flight: dict[str, asyncio.Task[PollResult]] = {}
        finished: list[str] = []
        wake = asyncio.Event()

        def on_done(url: str) -> None:
            finished.append(url)
            wake.set()

        async def relay_stop() -> None:
            await stop.wait()
            wake.set()

        relay = asyncio.create_task(relay_stop())
        async with self.client() as client:
            try:
                while not stop.is_set():
                    now = self.clock().timestamp()
                    while idle and idle[0][0] <= now:
                        _due, url = heapq.heappop(idle)
                        task = asyncio.create_task(self.poll_feed(by_url[url], client, slots, publish_lock))
                        task.add_done_callback(lambda _t, url=url: on_done(url))
                        in_flight[url] = task
                    # Wake at the next due time or when a poll finishes, but at least every 60 s (a
                    # clock jump must not stall the loop) and at most every 0.2 s while feeds are due
                    # (a burst of due feeds is not a busy loop).
                    wait = min(max((idle[0][0] if idle else float("inf")) - now, 0.2), 60.0)
                    try:
                        await asyncio.wait_for(wake.wait(), timeout=wait)
                    except TimeoutError:
                        pass
                    wake.clear()
                    done, finished[:] = finished[:], []
                    for url in done:
                        task = in_flight.pop(url)
                        if task.cancelled():
                            continue
                        if task.exception() is not None:
                            # A bug met by one feed must not stop the others: log it loudly and
                            # try that feed again after the longest backoff.
                            log.error("feed_poll_crashed", url=url, exc_info=task.exception())
                            self._next_due[url] = self.clock().timestamp() + self.settings.feeds.max_backoff_s
                        else:
                            on_result(task.result())
                        heapq.heappush(idle, (self._next_due[url], url))
            finally:
                relay.cancel()
                for task in in_flight.values():
                    task.cancel()
                await asyncio.gather(relay, *in_flight.values(), return_exceptions=True)

    async def poll_feed(
        self,
        feed: FeedConfig,
        client: httpx.AsyncClient,
        slots: FetchSlots | None = None,
        publish_lock: asyncio.Lock | None = None,
    ) -> PollResult:
        """Poll one feed: fetch, map, publish what is new, save state and schedule. Never raises
        for what a feed or Kafka does; the status says what happened."""
        slots = slots or FetchSlots(1, 1)
        publish_lock = publish_lock or asyncio.Lock()
        state = self.store.load(feed.url)
        async with slots.hold(feed.url):
            now = self.clock()
            fetched = await fetch_feed(
                client, feed.url, state, timeout_s=self.settings.sources.request_timeout_s,
                max_bytes=self.settings.feeds.max_feed_bytes, now=now,
            )
        result = PollResult(feed, fetched.status, now, http_status=fetched.http_status, error=fetched.error)
        present: list[str] = []
        if fetched.status is FetchStatus.OK:
            try:
                parsed = parse_feed(fetched.content, content_type=fetched.content_type, url=feed.url)
            except FeedParseError as exc:
                result.status, result.error = FetchStatus.PARSE_ERROR, str(exc)
            else:
                mapped = map_feed(parsed, feed, fetched_at=now)
                present = [post.post_id for post in mapped.posts]
                known = self.store.emitted(feed.url, present)
                new = [post for post in mapped.posts if post.post_id not in known]
                result.known, result.invalid = len(known), len(mapped.invalid)
                for problem in mapped.invalid:
                    log.warning("feed_entry_invalid", source=feed.source, url=feed.url, problem=problem)
                ENTRIES.labels(outcome="known").inc(len(known))
                ENTRIES.labels(outcome="repeated").inc(mapped.repeated)
                ENTRIES.labels(outcome="invalid").inc(len(mapped.invalid))
                error = await self._emit(new, publish_lock) if new else None
                if error:
                    result.status, result.error = FetchStatus.PUBLISH_ERROR, error
                else:
                    result.new, result.posts = len(new), new
                    ENTRIES.labels(outcome="new").inc(len(new))
        self._schedule(feed, state, result, fetched, now, present)
        return result

    def _schedule(self, feed: FeedConfig, state: FeedState, result: PollResult, fetched: FetchResult,
                  now: datetime, present: list[str]) -> None:
        ok = result.status in SUCCESS
        state.failures = 0 if ok else state.failures + 1
        if result.status is FetchStatus.OK:
            state.etag, state.last_modified = fetched.etag, fetched.last_modified
        interval = feed.interval_s or self.settings.feeds.default_interval_s
        delay = next_delay(interval, state.failures, self.settings.feeds.max_backoff_s, fetched.retry_after_s)
        state.next_due = now.timestamp() + delay
        state.last_status, state.last_polled = str(result.status), now.timestamp()
        self.store.record(state, present if result.status is FetchStatus.OK else (),
                          keep=self.settings.feeds.remember_entries)
        self._next_due[feed.url] = state.next_due
        result.next_due = now + timedelta(seconds=delay)
        FETCHES.labels(status=str(result.status)).inc()
        (log.info if ok else log.warning)(
            "feed_polled", source=feed.source, url=feed.url, status=str(result.status),
            http_status=result.http_status, new=result.new, known=result.known, invalid=result.invalid,
            failures=state.failures, next_in_s=round(delay, 1), error=result.error,
        )

    async def _emit(self, posts: list[RawPost], lock: asyncio.Lock) -> str | None:
        """Publish and wait for Kafka's confirmation; None when every post was confirmed, else why not.
        One feed at a time: the publisher's report counts are shared, so each feed's share is read
        between two flushes."""
        async with lock:
            return await asyncio.to_thread(self._publish_confirmed, posts)

    def _publish_confirmed(self, posts: list[RawPost]) -> str | None:
        try:
            before = self.publisher.flush()
            sent, failed = before.sent, before.failed
            for post in posts:
                self.publisher.publish_post(post)
            after = self.publisher.flush()
        except Exception as exc:  # noqa: BLE001 - any producer failure means "not confirmed": retried next poll
            return f"{type(exc).__name__}: {exc}"
        if after.failed > failed or after.sent - sent < len(posts):
            reason = f": {after.errors[-1]}" if after.errors else ""
            return f"Kafka confirmed {after.sent - sent} of {len(posts)}{reason}"
        return None
