"""What every social API connector is: the protocol, its page, and the fixed status vocabulary.

A connector only fetches and maps. `fetch_page(cursor)` asks the API for one
page after a cursor; `to_raw_post(item, context)` turns one item of that page
into a `RawPost` without any I/O. Publishing, cursor persistence and retries
live elsewhere (`runner.py`, `http.py`), so a new connector is one module of
wire-format knowledge.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from schemas import Channel, RawPost

if TYPE_CHECKING:
    import httpx

    from crawlers.connectors.http import ApiClient
    from pipeline.settings import ConnectorSettings

# A cursor is the connector's own bookmark: small, JSON-serializable, opaque to the runner.
Cursor = dict[str, str]
# An item is one element of an API page as the API sent it (plus what the connector joined to it).
Item = dict[str, Any]


class Status(StrEnum):
    """How a fetch ended. The only values that appear in logs, summaries and metrics."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"
    AUTH_ERROR = "auth_error"
    HTTP_ERROR = "http_error"
    NETWORK_ERROR = "network_error"
    BAD_PAYLOAD = "bad_payload"


class FetchError(Exception):
    """Raised by the HTTP layer or by `fetch_page` when a page cannot be had.

    Retries already happened (see `http.ApiClient`); the runner ends the round with
    `status`, keeps the last saved cursor and tries again later. `detail` never
    contains credentials.
    """

    def __init__(self, status: Status, detail: str, http_status: int | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.http_status = http_status


@dataclass(frozen=True)
class Page:
    """One page of an API listing.

    `cursor` is what to persist once this page's posts are confirmed by Kafka and what
    to pass to the next `fetch_page`. `has_more` is False when the connector has caught
    up: the next call with `cursor` starts a new incremental round (newer items only).
    """

    items: list[Item]
    cursor: Cursor
    has_more: bool


@dataclass(frozen=True)
class MapContext:
    """What `to_raw_post` may know besides the item: when it was fetched."""

    fetched_at: datetime


@dataclass(frozen=True)
class Endpoint:
    """Where a connector's API is and what it uses by default, read from ConnectorSettings.

    `token_param` names the query parameter that carries the token for APIs keyed by an API
    key (YouTube's `key`); None sends it as an Authorization Bearer header.
    """

    base_url: str
    token: Any  # SecretStr | None; never logged
    default_query: str
    extra: dict[str, str] = field(default_factory=dict)
    token_param: str | None = None


@dataclass(frozen=True)
class ConnectorOptions:
    """What a connector is asked to fetch: the query (hashtag for Mastodon), the page size,
    the oldest publication time wanted on a first run (the backfill window), API-specific
    extras, and the clock (for APIs whose windows move with time; fixed in tests)."""

    query: str
    page_size: int = 100
    backfill_from: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


class Connector(ABC):
    """A social API source. Subclasses set `name` and `channel` and implement the two methods.

    Guarantees a subclass must keep: `fetch_page` never skips an item between the
    cursor it was given and the cursor it returns (items may repeat: the pipeline
    dedupes by post_id), and `to_raw_post` is pure (no I/O, no clock) and raises
    `ValueError` (pydantic's `ValidationError` included), `KeyError` or `TypeError` for an
    item it cannot map.
    """

    name: ClassVar[str]
    channel: ClassVar[Channel]

    def __init__(self, api: ApiClient, options: ConnectorOptions) -> None:
        self.api = api
        self.options = options

    @staticmethod
    @abstractmethod
    def endpoint(settings: ConnectorSettings) -> Endpoint:
        """The API base URL, token, default query and extras from settings."""

    @staticmethod
    def read_rate_limit(headers: httpx.Headers, now: float) -> tuple[int | None, float | None]:
        """(requests left in the window, epoch seconds when it resets) from the API's headers."""
        return None, None

    @staticmethod
    def read_error(status_code: int, body: Any) -> tuple[Status, str] | None:
        """(status, reason from the API's own vocabulary) for a 4xx whose JSON body says more
        than its code, or None for the HTTP layer's default (401/403 auth_error, else http_error)."""
        return None

    @abstractmethod
    def fetch_page(self, cursor: Cursor | None) -> Page:
        """Fetch the page after `cursor` (None: first run, start the backfill window).

        Raises `FetchError` with a `Status` when the API cannot give the page.
        """

    @staticmethod
    @abstractmethod
    def to_raw_post(item: Item, context: MapContext) -> RawPost:
        """Map one item of a page to a RawPost (pure)."""

    def close(self) -> None:
        """Release the HTTP client."""
        self.api.close()


def unique_handles(values: Iterable[object]) -> list[str]:
    """Handles in first-seen order, without '@', empty values and repeats."""
    seen: list[str] = []
    for value in values:
        if isinstance(value, str) and (handle := value.lstrip("@")) and handle not in seen:
            seen.append(handle)
    return seen


_LEADING_MENTIONS = re.compile(r"^\s*((?:@[\w.-]+(?:@[\w.-]+)?[\s,:]+)+)")
_HANDLE = re.compile(r"@([\w.-]+(?:@[\w.-]+)?)")


def leading_mentions(text: str) -> list[str]:
    """Handles a post starts with ('@bestelbaas_helpt @jansen_nl waar blijft …'): on X and
    Mastodon a post that opens with a handle is addressed to that account, reply or not."""
    match = _LEADING_MENTIONS.match(text)
    return unique_handles(_HANDLE.findall(match.group(1))) if match else []
