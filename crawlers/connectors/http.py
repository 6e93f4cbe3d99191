"""The one HTTP layer every connector uses: rate limits, retries and the status vocabulary.

- 429: wait for `Retry-After` (seconds or an HTTP date), else for the API's own reset
  header, else back off; a wait longer than `max_rate_limit_wait_s` ends with
  `rate_limited` instead of blocking the process for hours.
- A window with no requests left (`remaining == 0` in the API's headers) is waited out
  *before* the next request, so a well-behaved connector rarely sees a 429 at all.
- 5xx and network errors: capped exponential backoff, `max_attempts` tries.
- 401/403: `auth_error` at once (retrying a bad token only burns quota);
  other 4xx: `http_error`; a body that is not JSON: `bad_payload`. An API that says more
  in its error body (YouTube's 403 `quotaExceeded` is a rate limit, not a bad key) passes
  a `read_error` that classifies a 4xx first.

The token is sent as a Bearer header, or, for APIs keyed by an API key in the query
string (YouTube's `key`), as the `token_param` query parameter. It appears nowhere else:
errors name the path only, and the request line httpx logs (logger "httpx", INFO) has the
key replaced by `***` while the client is open. `sleep` and `clock` are injected so tests
never wait for real.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import structlog
from pydantic import SecretStr

from crawlers.connectors.base import FetchError, Status
from crawlers.retry_after import parse_retry_after
from pipeline.observability import HTTPX_LOG, Redact

log = structlog.get_logger("luister.connectors.http")

# (remaining requests in the window or None, epoch seconds when the window resets or None)
RateLimitReader = Callable[[httpx.Headers, float], tuple[int | None, float | None]]


# (HTTP status of a 4xx, its decoded JSON body or None) -> (status, short reason for the error
# detail) or None for the default mapping. The reason must come from the API's fixed vocabulary
# (never free text from the body, which might echo a request).
ErrorReader = Callable[[int, Any], tuple[Status, str] | None]


def no_rate_limit_headers(_headers: httpx.Headers, _now: float) -> tuple[int | None, float | None]:
    return None, None


def no_error_body(_code: int, _body: Any) -> tuple[Status, str] | None:
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one request is tried (see ConnectorSettings for the meaning of each)."""

    max_attempts: int = 5
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    max_rate_limit_wait_s: float = 900.0

    def backoff(self, attempt: int) -> float:
        """Wait before try `attempt + 1` (attempt counts from 1): 1, 2, 4, ... capped."""
        return min(self.backoff_max_s, self.backoff_initial_s * 2 ** (attempt - 1))


@dataclass(frozen=True)
class ApiResponse:
    """A successful response: decoded JSON, headers, and parsed Link header relations."""

    data: Any
    headers: httpx.Headers
    links: Mapping[str, str]


def retry_after_s(headers: httpx.Headers, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    return parse_retry_after(headers.get("retry-after"), datetime.fromtimestamp(now, UTC))


class ApiClient:
    """A small synchronous JSON client for one API base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        token: SecretStr | None,
        user_agent: str,
        timeout_s: float,
        retry: RetryPolicy,
        rate_limit: RateLimitReader = no_rate_limit_headers,
        read_error: ErrorReader = no_error_body,
        token_param: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        self._token_params: dict[str, str] = {}
        self._redaction: Redact | None = None
        if token is not None and token_param:
            self._token_params[token_param] = token.get_secret_value()
            self._redaction = Redact({token.get_secret_value(), quote(token.get_secret_value(), safe="")})
            HTTPX_LOG.addFilter(self._redaction)
        elif token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        self._client = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout_s, transport=transport, follow_redirects=True
        )
        self._retry = retry
        self._rate_limit = rate_limit
        self._read_error = read_error
        self._sleep = sleep
        self._clock = clock
        self._window_reset_at: float | None = None  # set when the API said no requests are left

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> ApiResponse:
        """GET `path` (relative to the base URL, or an absolute URL the API handed out).

        Returns the decoded JSON; raises `FetchError` once retries are exhausted.
        """
        return self.request("GET", path, params)

    def post(self, path: str, body: Any, params: Mapping[str, str | int] | None = None) -> ApiResponse:
        """POST a JSON `body` to `path`, with the same retries as `get`: use it only for
        requests that are safe to repeat (X's stream rules: adding a rule twice is a no-op)."""
        return self.request("POST", path, params, body)

    def request(
        self, method: str, path: str, params: Mapping[str, str | int] | None = None, body: Any = None
    ) -> ApiResponse:
        """One request with retries (see the module docstring); `body` is sent as JSON when given."""
        last = FetchError(Status.NETWORK_ERROR, "no attempt made")
        if self._token_params:
            params = {**(params or {}), **self._token_params}
        for attempt in range(1, self._retry.max_attempts + 1):
            self._wait_for_window()
            try:
                response = self._client.request(
                    method, path, params=params, **({"json": body} if body is not None else {})
                )
            except httpx.TransportError as exc:
                last = FetchError(Status.NETWORK_ERROR, f"{type(exc).__name__} on {_path_only(path)}")
                self._pause(attempt, last)
                continue
            self._note_window(response.headers)
            code = response.status_code
            if 400 <= code < 500 and (said := self._read_error(code, _json_or_none(response))) is not None:
                status, reason = said
                raise FetchError(status, f"{code} {reason} on {_path_only(path)}", code)
            if code == 429:
                wait = self._rate_limit_wait(response.headers, attempt)
                last = FetchError(Status.RATE_LIMITED, f"429 on {_path_only(path)}", code)
                if wait > self._retry.max_rate_limit_wait_s:
                    raise FetchError(Status.RATE_LIMITED, f"429 on {_path_only(path)}, reset in {wait:.0f} s", code)
                if attempt < self._retry.max_attempts:
                    log.info("connector_wait", status=str(Status.RATE_LIMITED), wait_s=round(wait, 1))
                    self._sleep(wait)
                continue
            if code in (401, 403):
                raise FetchError(Status.AUTH_ERROR, f"{code} on {_path_only(path)}", code)
            if code >= 500:
                last = FetchError(Status.HTTP_ERROR, f"{code} on {_path_only(path)}", code)
                self._pause(attempt, last)
                continue
            if code >= 400:
                raise FetchError(Status.HTTP_ERROR, f"{code} on {_path_only(path)}", code)
            try:
                data = response.json()
            except ValueError as exc:
                raise FetchError(Status.BAD_PAYLOAD, f"body is not JSON ({exc})", code) from None
            links = {rel: link["url"] for rel, link in response.links.items() if "url" in link}
            return ApiResponse(data=data, headers=response.headers, links=links)
        raise last

    def close(self) -> None:
        self._client.close()
        if self._redaction is not None:
            HTTPX_LOG.removeFilter(self._redaction)
            self._redaction = None

    def _pause(self, attempt: int, error: FetchError) -> None:
        if attempt < self._retry.max_attempts:
            wait = self._retry.backoff(attempt)
            log.info("connector_retry", status=str(error.status), attempt=attempt, wait_s=wait)
            self._sleep(wait)

    def _rate_limit_wait(self, headers: httpx.Headers, attempt: int) -> float:
        now = self._clock()
        wait = retry_after_s(headers, now)
        if wait is None:
            _remaining, reset_at = self._rate_limit(headers, now)
            if reset_at is not None:
                wait = max(0.0, reset_at - now)
        if wait is None:
            wait = self._retry.backoff(attempt)
        self._window_reset_at = None  # the wait above already covers the window
        return wait

    def _note_window(self, headers: httpx.Headers) -> None:
        remaining, reset_at = self._rate_limit(headers, self._clock())
        self._window_reset_at = reset_at if remaining == 0 else None

    def _wait_for_window(self) -> None:
        if self._window_reset_at is None:
            return
        wait = self._window_reset_at - self._clock()
        self._window_reset_at = None
        if wait <= 0:
            return
        if wait > self._retry.max_rate_limit_wait_s:
            raise FetchError(Status.RATE_LIMITED, f"no requests left, window resets in {wait:.0f} s")
        log.info("connector_wait", status=str(Status.RATE_LIMITED), wait_s=round(wait, 1))
        self._sleep(wait)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _path_only(path: str) -> str:
    """The path of a URL without its query (queries can be long; never put them in errors)."""
    return httpx.URL(path).path


def parse_int(value: str | None) -> int | None:
    """An integer header value (tolerates '12.0', as Reddit sends), or None."""
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def parse_iso(value: str | None) -> float | None:
    """Epoch seconds of an ISO 8601 header value, or None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
