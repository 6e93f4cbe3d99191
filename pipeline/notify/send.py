"""Delivering one alert to one destination (a Slack incoming webhook or a generic webhook) over HTTP.

Every response ends in one outcome from a fixed vocabulary (``judge``):

- ``Delivered``: a 2xx.
- ``Retry``: the destination cannot take it now: 429, 408, 425, any 5xx, or no response at all (refused
  connection, timeout). The alert waits and is sent again, for as long as it takes: an alert is never
  given up because Slack is down.
- ``Refused``: any other status (4xx, and 3xx, since a redirect is never followed). Slack's 400
  ``invalid_blocks``, 403 ``action_prohibited``, 404 ``no_service`` or 410 ``channel_is_archived`` will
  answer the same however often the request is repeated, so the caller dead-letters the alert with the
  reason; it can be replayed once the configuration is fixed.

A destination's URL is its credential (whoever has a Slack webhook URL can post into the channel), so it
is never logged, never put in a reason, and never shown by ``repr``: logs name the destination only, and
httpx's own request line shows '***' in its place while ``deliver`` runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args
from urllib.parse import urlsplit

import httpx
import structlog
from pydantic import SecretStr

from crawlers.retry_after import parse_retry_after
from pipeline.notify.slack import alert_message
from pipeline.notify.webhook import headers, webhook_body
from pipeline.observability import HTTPX_LOG, Redact
from schemas import Alert

log = structlog.get_logger("luister.notify")

# A Retry-After longer than this is not waited out in one go: the request is tried again after 15 minutes
# and the destination can ask again. A misbehaving receiver cannot park an alert for days.
RETRY_AFTER_CAP_S = 15 * 60
REASON_BODY_CHARS = 200  # Slack's error bodies are one short word; a receiver's HTML error page is cut

Kind = Literal["slack", "webhook"]
KINDS: tuple[Kind, ...] = get_args(Kind)


@dataclass(frozen=True)
class Destination:
    """One place alerts are sent to.

    ``name`` is what logs and dead letters show (e.g. 'slack', 'webhook-1'); ``url`` is never shown.
    ``secret`` signs the body of a generic webhook (see pipeline/notify/webhook.py) and is required
    there, so a receiver can always tell Luister's alerts from forged ones; Slack takes none.
    """

    name: str
    kind: Kind
    url: SecretStr
    secret: SecretStr | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"destination {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind == "webhook" and self.secret is None:
            raise ValueError(f"destination {self.name!r}: a webhook needs a secret to sign its bodies")
        if self.kind == "slack" and self.secret is not None:
            raise ValueError(f"destination {self.name!r}: Slack incoming webhooks take no secret")


@dataclass(frozen=True)
class Delivered:
    """The destination took the alert (a 2xx)."""

    status: int


@dataclass(frozen=True)
class Retry:
    """The destination cannot take the alert now; ``after_s`` is how long it asked to wait (Retry-After),
    None when it did not say and the sender backs off."""

    after_s: float | None = None


@dataclass(frozen=True)
class Refused:
    """The destination will never take this request; ``reason`` is the status and the destination's own
    short explanation, e.g. '400 invalid_blocks'. The caller dead-letters the alert."""

    reason: str


Outcome = Delivered | Retry | Refused
# () -> (body, headers) of one attempt: called again for every attempt, so a webhook is signed afresh
MakeRequest = Callable[[], tuple[bytes, Mapping[str, str]]]


def request(
    destination: Destination, alert: Alert, *, monitor_name: str, report_url: str | None, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers that deliver ``alert`` to ``destination`` at ``now``.

    Slack gets the Block Kit message of ``alert_message`` as JSON (``monitor_name`` and ``report_url`` are
    shown in it); a webhook gets ``webhook_body`` with its signature for ``now``.
    """
    if destination.kind == "slack":
        message = alert_message(alert, monitor_name=monitor_name, report_url=report_url)
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return body, {"Content-Type": "application/json; charset=utf-8"}
    assert destination.secret is not None  # Destination refuses a webhook without one
    body = webhook_body(alert)
    return body, headers(body, destination.secret.get_secret_value(), now)


def judge(status: int, response_headers: Mapping[str, str], body: str, now: datetime) -> Outcome:
    """What one HTTP response means for the alert (see the module docstring).

    A Retry-After is honoured wherever it comes (RFC 9110 allows it with 503 too); ``now`` is the time the
    response arrived, to turn an HTTP-date into seconds.
    """
    if 200 <= status < 300:
        return Delivered(status)
    if status in (408, 425, 429) or status >= 500:
        return Retry(parse_retry_after(_header(response_headers, "Retry-After"), now))
    return Refused(f"{status} {_printable(body)[:REASON_BODY_CHARS]}".rstrip())


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def deliver(
    client: httpx.AsyncClient,
    destination: Destination,
    make_request: MakeRequest,
    *,
    initial_s: float,
    max_s: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], datetime] = _utc_now,
) -> Delivered | Refused:
    """POST the request ``make_request`` makes (afresh for each attempt, e.g. with ``request``) to
    ``destination`` until it is Delivered or Refused.

    Waits between attempts: the Retry-After the destination asked for (at most ``RETRY_AFTER_CAP_S``),
    else ``initial_s``, doubling per attempt up to ``max_s``. Never raises for the destination's sake;
    the ``client``'s timeout bounds each attempt, and cancelling the task is the only other way out.
    ``clock`` tells when a response arrived, for a Retry-After date. Redirects are not followed: a 3xx is
    Refused. A request that reached the destination but whose answer was lost is sent again, so a
    destination can see an alert twice; the alert id says which.
    """
    url = destination.url.get_secret_value()
    redact = Redact(_url_forms(url))
    backoff = min(initial_s, max_s)
    attempt = 0
    with _filtered(HTTPX_LOG, redact):
        while True:
            attempt += 1
            body, request_headers = make_request()
            outcome, status = await _post(client, url, redact, body, request_headers, clock)
            if isinstance(outcome, Delivered):
                log.info("alert_delivered", destination=destination.name, status=status, attempts=attempt)
                return outcome
            if isinstance(outcome, Refused):
                log.error("alert_delivery_refused", destination=destination.name, status=status,
                          reason=outcome.reason)
                return outcome
            if outcome.after_s is not None:
                delay = min(max(outcome.after_s, 0.0), RETRY_AFTER_CAP_S)
            else:
                delay, backoff = backoff, min(backoff * 2, max_s)
            log.warning("alert_delivery_retry", destination=destination.name, status=status, attempt=attempt,
                        delay_s=delay)
            await sleep(delay)


async def _post(
    client: httpx.AsyncClient, url: str, redact: Redact, body: bytes, request_headers: Mapping[str, str],
    clock: Callable[[], datetime],
) -> tuple[Outcome, int | str]:
    """One attempt: its outcome, and the status to log (the HTTP status, or why there was none).

    ``redact`` hides the URL's spellings (``_url_forms``) in the response body before it can become a
    reason."""
    try:
        response = await client.post(url, content=body, headers=request_headers, follow_redirects=False)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):  # configuration: no retry can fix it
        return Refused("the destination's URL is not an http(s) URL"), "invalid_url"
    except httpx.TransportError:  # refused, reset, timed out: the destination may be back soon
        return Retry(), "no_response"
    outcome = judge(response.status_code, response.headers, redact.hide(response.text), clock())
    return outcome, response.status_code


def _header(response_headers: Mapping[str, str], name: str) -> str | None:
    """A header by name in any case: httpx's headers are case-insensitive, a plain dict is not."""
    wanted = name.lower()
    return next((value for key, value in response_headers.items() if key.lower() == wanted), None)


def _printable(text: str) -> str:
    """``text`` on one line without control characters: a reason must not forge log lines."""
    return " ".join("".join(char for char in text if char.isprintable() or char.isspace()).split())


def _url_forms(url: str) -> list[str]:
    """How the secret part of ``url`` can show in a text, longest first: the URL, its path and query, and
    its path's segments of 8 characters or more, each as written and as httpx spells it. Shorter
    segments are names ('hooks'), not secrets, and hiding them would garble the text."""
    forms = {url}
    for spelling in {url, _httpx_spelling(url)}:
        try:
            parts = urlsplit(spelling)
        except ValueError:  # e.g. 'http://[': never sent, so never echoed
            continue
        forms |= {parts.path, parts.query, *(segment for segment in parts.path.split("/") if len(segment) >= 8)}
    return sorted(forms - {"", "/"}, key=len, reverse=True)


def _httpx_spelling(url: str) -> str:
    try:
        return str(httpx.URL(url))
    except httpx.InvalidURL:
        return url


@contextmanager
def _filtered(logger: logging.Logger, redact: Redact) -> Iterator[None]:
    """While inside, ``logger``'s records show '***' for the URL (httpx's request line names it)."""
    logger.addFilter(redact)
    try:
        yield
    finally:
        logger.removeFilter(redact)
