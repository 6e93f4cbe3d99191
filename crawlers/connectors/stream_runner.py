"""Run one stream: connect, fill the gap, read lines, publish, confirm, reconnect.

Per connection:

1. `GET` the streaming endpoint (httpx streaming, read timeout =
   `stream_read_timeout_s`). A refusal ends the connection with its status: 401/403
   `auth_error` (the run stops), 429 `rate_limited`, other codes `http_error`.
2. A daemon thread reads the response line by line into a queue, so the main thread can
   flush on time while the stream is quiet and notice a stop request at once.
3. **Gap fill**: with the stream already open, one polling round of the paired connector
   from its saved cursor (`runner.run_connector(once=True)` with the same CursorStore).
   Whatever was posted while we were not connected comes from the poll; whatever is posted
   from now on comes from the open stream. Posts in both are published twice: the pipeline
   dedupes by post_id.
4. Each line becomes events (`StreamConnector.parser`); a post is mapped with the poller's
   `to_raw_post` and published at once; Kafka's confirmation is awaited (`flush`) every
   `stream_flush_posts` posts or `stream_flush_interval_s` after the oldest unconfirmed one,
   and when the connection ends. After a confirmed flush, and only if this connection's gap
   fill reached the present, the cursor is advanced to the newest confirmed id and saved:
   a restart polls from there (at-least-once, nothing skipped).
5. Read timeout, dropped connection, end of stream or an error object → reconnect after
   the back-off in `stream.Backoff`.

Delivery guarantee: at-least-once. Known edge: a post the API streams after a newer one
(out of id order) and that is lost in a crash right after the newer one's cursor was saved
is not re-polled; X and Mastodon stream in id order, so this needs a reordering and a crash.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import prometheus_client
import structlog
from pydantic import ValidationError

from crawlers.connectors.base import Cursor, FetchError, MapContext, Status
from crawlers.connectors.http import retry_after_s
from crawlers.connectors.runner import Publisher, PublishFailed, run_connector
from crawlers.connectors.state import CursorStore
from crawlers.connectors.stream import Backoff, Event, ReconnectPolicy, StreamConnector
from schemas import RawPost

log = structlog.get_logger("luister.streams")

# Label values come from STREAMS keys, the Event and the Status vocabularies only.
EVENTS = prometheus_client.Counter(
    "luister_stream_events_total", "Stream events by kind (post, heartbeat, delete, ...).", ["stream", "event"]
)
DISCONNECTS = prometheus_client.Counter(
    "luister_stream_disconnects_total", "Ended stream connections by status.", ["stream", "status"]
)

# How often a quiet stream checks for a stop request (Ctrl-C) while waiting for a line.
STOP_CHECK_S = 0.25


@dataclass(frozen=True)
class StreamOptions:
    """How a stream run flushes and reconnects (from ConnectorSettings), and when it ends.

    `max_posts`: stop after this many streamed posts were published (None: run until
    stopped); tests and `--max-posts` use it.
    """

    flush_posts: int = 50
    flush_interval_s: float = 1.0
    policy: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    max_posts: int | None = None


@dataclass
class StreamSummary:
    """What a stream run did. `published` counts confirmed streamed posts, `gap_filled` the
    posts of the gap-fill polls; `events` counts by Event, `disconnects` by Status."""

    stream: str
    query: str
    connections: int = 0
    published: int = 0
    gap_filled: int = 0
    events: Counter[str] = field(default_factory=Counter)
    disconnects: Counter[str] = field(default_factory=Counter)
    last_status: Status = Status.OK
    last_error: str | None = None


@dataclass(frozen=True)
class _Ended:
    """How one connection ended; `reset_in_s` is the API's rate-limit reset for a 429."""

    status: Status
    detail: str
    reset_in_s: float | None = None


_STOP = _Ended(Status.OK, "stopped")


def run_stream(
    stream: StreamConnector,
    store: CursorStore,
    publisher: Publisher,
    options: StreamOptions,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> StreamSummary:
    """Stream until `should_stop()`, `options.max_posts` or an auth error.

    `stream.prepare()` runs first; a `FetchError` there ends the run with its status.
    `sleep` is used for every back-off (and by the gap-fill polls), `clock` (epoch seconds)
    to read rate-limit reset headers; both are injected so tests never wait.
    Raises `PublishFailed` when Kafka does not confirm a flush (the cursor is not moved).
    """
    return _StreamRun(stream, store, publisher, options, should_stop, sleep, clock, now).run()


class _StreamRun:
    def __init__(
        self,
        stream: StreamConnector,
        store: CursorStore,
        publisher: Publisher,
        options: StreamOptions,
        should_stop: Callable[[], bool],
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self.stream = stream
        self.store = store
        self.publisher = publisher
        self.options = options
        self.should_stop = should_stop
        self.sleep = sleep
        self.clock = clock
        self.now = now
        self.summary = StreamSummary(stream=stream.name, query=stream.query)
        self.backoff = Backoff(options.policy)
        self.pending: list[RawPost] = []
        self.oldest_pending_at: float | None = None  # time.monotonic() of the oldest unconfirmed post
        self.streamed = 0  # posts mapped from the stream (for max_posts)
        self.cursor: Cursor | None = None  # set when this connection's gap fill reached the present
        self._sent, self._failed = self._report()

    def run(self) -> StreamSummary:
        try:
            self.stream.prepare()
        except FetchError as exc:
            self._note_end(_Ended(exc.status, exc.detail))
            return self.summary
        while not self.should_stop():
            ended = self._connection()
            if ended is _STOP:
                break
            self._note_end(ended)
            if ended.status is Status.AUTH_ERROR:
                break
            wait = self.backoff.wait(ended.status, ended.reset_in_s)
            log.info("stream_reconnect", stream=self.stream.name, status=str(ended.status), wait_s=round(wait, 2))
            self.sleep(wait)
        return self.summary

    # --- one connection --------------------------------------------------------------

    def _connection(self) -> _Ended:
        path, params = self.stream.request()
        self.cursor = None
        try:
            with self.stream.client.stream(
                "GET", path, params=params, headers={"Accept": self.stream.accept}
            ) as response:
                if response.status_code != 200:
                    return self._refused(response, path)
                self.summary.connections += 1
                self.summary.last_status, self.summary.last_error = Status.OK, None
                log.info("stream_connected", stream=self.stream.name)
                reader = _LineReader(response)
                try:
                    self._fill_gap()
                    return self._read(reader)
                finally:
                    self._flush()
        except httpx.TransportError as exc:  # connecting failed, or no headers within the read timeout
            return _Ended(Status.NETWORK_ERROR, f"{type(exc).__name__} on {path}")

    def _refused(self, response: httpx.Response, path: str) -> _Ended:
        code = response.status_code
        response.read()  # a small problem document; reading it lets the connection be reused
        if code in (401, 403):
            return _Ended(Status.AUTH_ERROR, f"{code} on {path}")
        if code == 429:
            return _Ended(Status.RATE_LIMITED, f"429 on {path}", self._reset_in(response.headers))
        return _Ended(Status.HTTP_ERROR, f"{code} on {path}")

    def _reset_in(self, headers: httpx.Headers) -> float | None:
        now = self.clock()
        wait = retry_after_s(headers, now)
        if wait is None:
            _remaining, reset_at = self.stream.poller.read_rate_limit(headers, now)
            wait = None if reset_at is None else max(0.0, reset_at - now)
        return wait

    def _fill_gap(self) -> None:
        gap = run_connector(
            self.stream.poller,
            self.stream.query,
            self.store,
            self.publisher,
            once=True,
            sleep=self.sleep,
            now=self.now,
            should_stop=self.should_stop,
        )
        self.summary.gap_filled += gap.published
        self._sent, self._failed = self._report()  # run_connector confirmed its own posts
        saved = self.store.load()
        if gap.last_status is Status.OK and not self.should_stop() and saved is not None:
            self.cursor = saved.cursor
            log.info("stream_gap_filled", stream=self.stream.name, posts=gap.published)
        else:  # streamed posts are still published, but the cursor waits for a gap fill that succeeds
            log.warning("stream_gap_open", stream=self.stream.name, status=str(gap.last_status), detail=gap.last_error)

    def _read(self, reader: _LineReader) -> _Ended:
        parser = self.stream.parser()
        while True:
            if self.should_stop():
                return _STOP
            line = reader.next(self._tick())
            if line is None:  # quiet: flush what waits for confirmation too long
                if self._flush_due():
                    self._flush()
                continue
            if isinstance(line, _EndOfStream):
                detail = f"{type(line.error).__name__}" if line.error is not None else "the server ended the stream"
                return _Ended(Status.NETWORK_ERROR, detail)
            for event in parser.feed(line):
                if event.kind is not Event.POST:  # a post is counted once mapped (post or bad_payload)
                    self._count(event.kind)
                if event.kind is Event.ERROR:
                    return _Ended(Status.NETWORK_ERROR, f"stream error: {event.detail}")
                if event.kind in (Event.POST, Event.HEARTBEAT):
                    self.backoff.reset()
                if event.kind is Event.POST and event.item is not None:
                    self._publish(event.item)
                    if self.options.max_posts is not None and self.streamed >= self.options.max_posts:
                        return _STOP
                elif event.kind is Event.BAD_PAYLOAD:
                    log.warning("stream_event", stream=self.stream.name, kind=str(event.kind), detail=event.detail)
            if self._flush_due():
                self._flush()

    # --- publishing ------------------------------------------------------------------

    def _publish(self, item: dict) -> None:
        try:
            post = self.stream.to_raw_post(item, MapContext(fetched_at=self.now()))
        except (ValidationError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self._count(Event.BAD_PAYLOAD)
            log.warning("stream_event", stream=self.stream.name, kind=str(Event.BAD_PAYLOAD),
                        item_id=str(_item_id(item)), error=type(exc).__name__)
            return
        self._count(Event.POST)
        self.publisher.publish_post(post)  # on its way to Kafka now; confirmed at the next flush
        self.pending.append(post)
        self.streamed += 1
        if self.oldest_pending_at is None:
            self.oldest_pending_at = time.monotonic()

    def _tick(self) -> float:
        if self.oldest_pending_at is None:
            return STOP_CHECK_S
        due_in = self.oldest_pending_at + self.options.flush_interval_s - time.monotonic()
        return max(0.0, min(STOP_CHECK_S, due_in))

    def _flush_due(self) -> bool:
        if not self.pending:
            return False
        if len(self.pending) >= self.options.flush_posts:
            return True
        return self.oldest_pending_at is not None and (
            time.monotonic() - self.oldest_pending_at >= self.options.flush_interval_s
        )

    def _flush(self) -> None:
        if not self.pending:
            return
        report = self.publisher.flush()
        sent = getattr(report, "sent", 0) - self._sent
        failed = getattr(report, "failed", 0) - self._failed
        if failed or sent < len(self.pending):
            errors = getattr(report, "errors", [])
            raise PublishFailed(f"Kafka confirmed {sent} of {len(self.pending)} streamed posts ({failed} failed): "
                                f"{errors[:3]}")
        self._sent, self._failed = self._report()
        self.summary.published += len(self.pending)
        if self.cursor is not None:
            for post in self.pending:
                self.cursor = self.stream.advance(self.cursor, post.external_id)
            self.store.save(self.stream.query, self.cursor, self.now())
        log.info("stream_flush", stream=self.stream.name, posts=len(self.pending), cursor_saved=self.cursor is not None)
        self.pending = []
        self.oldest_pending_at = None

    def _report(self) -> tuple[int, int]:
        report = getattr(self.publisher, "report", None)
        return getattr(report, "sent", 0), getattr(report, "failed", 0)

    # --- counting --------------------------------------------------------------------

    def _count(self, kind: Event) -> None:
        self.summary.events[str(kind)] += 1
        EVENTS.labels(self.stream.name, str(kind)).inc()

    def _note_end(self, ended: _Ended) -> None:
        self.summary.disconnects[str(ended.status)] += 1
        self.summary.last_status, self.summary.last_error = ended.status, ended.detail
        DISCONNECTS.labels(self.stream.name, str(ended.status)).inc()
        log.warning("stream_disconnected", stream=self.stream.name, status=str(ended.status), detail=ended.detail)


@dataclass(frozen=True)
class _EndOfStream:
    """The reader thread's last word: the stream ended cleanly (error None) or failed."""

    error: BaseException | None


class _LineReader:
    """Reads a streaming response's lines on a daemon thread into a queue.

    The main thread closes the response when it is done with the connection; a reader
    still blocked in a read then ends with an error nobody reads (within the read timeout).
    """

    def __init__(self, response: httpx.Response) -> None:
        self._queue: queue.SimpleQueue[str | _EndOfStream] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._read, args=(response,), name="luister-stream-reader", daemon=True)
        self._thread.start()

    def next(self, timeout: float) -> str | _EndOfStream | None:
        """The next line, the end of the stream, or None when nothing came within `timeout`."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def _read(self, response: httpx.Response) -> None:
        # a thread boundary: every failure is handed to the main thread as a value
        try:
            for line in response.iter_lines():
                self._queue.put(line)
        except (httpx.HTTPError, httpx.StreamError, OSError, ValueError) as exc:
            self._queue.put(_EndOfStream(exc))
        else:
            self._queue.put(_EndOfStream(None))


def _item_id(item: object) -> object:
    if isinstance(item, dict):
        if "id" in item:
            return item["id"]
        for value in item.values():
            if isinstance(value, dict) and "id" in value:
                return value["id"]
    return None
