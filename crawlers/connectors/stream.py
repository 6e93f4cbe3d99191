"""What a streaming connector is: a long-lived HTTP response read line by line.

A stream is the push counterpart of a polling `Connector` (`x.py`, `mastodon.py`) and
is built around one: it maps posts with the poller's `to_raw_post`, fills gaps with the
poller's `fetch_page` and shares the poller's cursor file. A stream module only knows its
wire format: which request opens the stream (`request`), how to prepare the server
(`prepare`, e.g. X's filtered-stream rules) and how lines become events (`parser`).
Connecting, reading, reconnecting, publishing and cursors live in `stream_runner.py`.

Reconnecting follows X's documented advice for its streams (we apply it to every stream):
network errors back off linearly from 250 ms up to 16 s, HTTP errors exponentially from
5 s up to 320 s, 429 exponentially from 1 minute; 401/403 end the run (`auth_error`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Protocol

from crawlers.connectors.base import Connector, Cursor, Item, MapContext, Status
from schemas import RawPost

if TYPE_CHECKING:
    import httpx

    from pipeline.settings import ConnectorSettings


class Event(StrEnum):
    """What one parsed piece of a stream was. The only values counted in summaries and metrics."""

    POST = "post"  # a post to map and publish
    HEARTBEAT = "heartbeat"  # a keep-alive: the connection is healthy
    DELETE = "delete"  # the author deleted a post: not acted upon yet (no erasure from streams)
    IGNORED = "ignored"  # an event type we do not use (e.g. Mastodon's status.update edits)
    BAD_PAYLOAD = "bad_payload"  # a line that is not what the wire format promises; skipped
    ERROR = "error"  # the server says it ends the stream (X error objects): reconnect


@dataclass(frozen=True)
class StreamEvent:
    """One event of a stream: `item` is set for POST (ready for the poller's `to_raw_post`),
    `detail` for BAD_PAYLOAD and ERROR (short, never credentials)."""

    kind: Event
    item: Item | None = None
    detail: str = ""


class LineParser(Protocol):
    """Turns the lines of one connection (without their line ends) into events.

    A parser may keep state across lines (Server-Sent Events span several lines); the
    runner makes a fresh one per connection.
    """

    def feed(self, line: str) -> list[StreamEvent]: ...


class StreamConnector(ABC):
    """A streaming API source paired with the polling connector for the same API.

    `name` is the registry key and equals the poller's name: both use the same cursor file,
    so `luister connect x` and `luister connect x --stream` resume from each other.
    """

    name: ClassVar[str]
    poller_class: ClassVar[type[Connector]]
    accept: ClassVar[str] = "application/json"  # the Accept header of the streaming request

    def __init__(self, poller: Connector, client: httpx.Client) -> None:
        """`poller`: the polling connector (its ApiClient serves the REST calls; its query is
        the stream's); `client`: an httpx client on the streaming base URL, with the token."""
        self.poller = poller
        self.client = client

    @property
    def query(self) -> str:
        return self.poller.options.query

    @classmethod
    def stream_url(cls, settings: ConnectorSettings) -> str:
        """The streaming base URL: the poller's API base URL unless the API streams elsewhere."""
        return cls.poller_class.endpoint(settings).base_url

    def prepare(self) -> None:
        """Make the server ready before the first connection (X: its rules). Raises `FetchError`."""

    @abstractmethod
    def request(self) -> tuple[str, dict[str, str]]:
        """Path (relative to the streaming base URL) and query parameters of the streaming GET."""

    @abstractmethod
    def parser(self) -> LineParser:
        """A fresh parser for one connection."""

    def to_raw_post(self, item: Item, context: MapContext) -> RawPost:
        """The poller's mapping: a streamed post is the same RawPost as a polled one."""
        return self.poller.to_raw_post(item, context)

    @staticmethod
    def advance(cursor: Cursor, external_id: str) -> Cursor:
        """The poller's round-end cursor moved past a confirmed streamed post.

        X and Mastodon ids grow with time, and both pollers end a round with `since_id`; a
        stream only ever moves it forward. Override for an API whose cursor differs.
        """
        current = cursor.get("since_id")
        if current is not None and _id_order(current) >= _id_order(external_id):
            return cursor
        return {"since_id": external_id}

    def close(self) -> None:
        """Release both HTTP clients."""
        self.client.close()
        self.poller.close()


def _id_order(external_id: str) -> tuple[int, str]:
    # numeric ids compare as numbers ("9" < "10"); anything else sorts before them, by text
    return (int(external_id), "") if external_id.isdigit() else (-1, external_id)


@dataclass(frozen=True)
class ReconnectPolicy:
    """Waits before reconnecting, by how the last connection ended (see ConnectorSettings)."""

    network_initial_s: float = 0.25  # X: "back off linearly for TCP/IP level network errors", from 250 ms
    network_max_s: float = 16.0
    http_initial_s: float = 5.0  # X: "back off exponentially for HTTP errors", from 5 s
    http_max_s: float = 320.0
    rate_limit_initial_s: float = 60.0  # X: on 429 "start with a 1 minute wait and double each attempt"
    rate_limit_max_s: float = 960.0


class Backoff:
    """Counts failed connections per kind and says how long to wait before the next try.

    `reset()` after a connection proved healthy (it delivered a post or a heartbeat): a
    server that accepts and drops at once keeps backing off instead of being hammered.
    """

    def __init__(self, policy: ReconnectPolicy) -> None:
        self.policy = policy
        self._attempts: Counter[Status] = Counter()

    def reset(self) -> None:
        self._attempts.clear()

    def wait(self, status: Status, reset_in_s: float | None = None) -> float:
        """Seconds to wait after a connection ended with `status` (not AUTH_ERROR: that stops).

        `reset_in_s` (429 only): when the API said its window resets; honoured when it is
        later than the exponential wait, both capped at `rate_limit_max_s`.
        """
        self._attempts[status] += 1
        n = self._attempts[status]
        p = self.policy
        if status is Status.NETWORK_ERROR:
            return min(p.network_max_s, p.network_initial_s * n)
        if status is Status.RATE_LIMITED:
            exponential = p.rate_limit_initial_s * 2 ** (n - 1)
            return min(p.rate_limit_max_s, max(exponential, reset_in_s or 0.0))
        return min(p.http_max_s, p.http_initial_s * 2 ** (n - 1))
