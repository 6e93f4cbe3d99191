"""Push channels into posts.raw: an HTTP receiver for webhooks (`luister webhook serve`).

- Meta webhooks (Graph API; WhatsApp Business Cloud API and Messenger Platform share
  them): `GET /webhooks/meta` answers the subscribe handshake (`hub.mode=subscribe`,
  `hub.verify_token` = settings.webhook.meta_verify_token → `hub.challenge` as text, else
  403). `POST /webhooks/meta` must carry `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
  the raw body with the app secret>`; a missing or wrong signature is 401 and nothing is
  published. Payloads: `object` 'whatsapp_business_account' (`entry[].changes[].value
  .messages[]`, field `messages`) or 'page' (`entry[].messaging[]`); see `webhook_events.py`.
- Live chat: `POST /webhooks/chat/{vendor}` with one message (or a list) in Luister's own
  JSON shape (`webhook_events.map_chat`), signed as `X-Luister-Signature: sha256=<hex
  HMAC-SHA256 of "<X-Luister-Timestamp>." + raw body with settings.webhook.chat_secret>`;
  a timestamp further than `chat_max_age_s` (5 minutes) from our clock is 401 (replay).
- A route answers only when its secrets are set; `GET /healthz` always answers.
- No paging, no rate limits: the sender pushes. Meta retries a delivery that did not get
  a 2xx (with back-off, for days), so a 503 is safe and 200 must mean "stored".
- Delivery: at-least-once. A request is answered 200 only after Kafka confirmed every
  post of it (`publisher.flush`); otherwise 503 and the sender retries. Repeats carry
  the same post_id (the Kafka key and the search-engine _id), so they overwrite themselves.
- Outcomes: `published`, `ignored`, `bad_signature`, `bad_payload`, `publish_failed`,
  counted once per event, or once per request for a request refused as a whole. Body over
  `max_body_bytes` → 413, invalid JSON or wrong top-level shape → 400.
- Secrets never reach logs: aiohttp's access log is off (the handshake URL holds the
  verify token), and the settings are SecretStr.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

import prometheus_client
import structlog
import typer
from aiohttp import web
from kafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape

from crawlers.connectors.webhook_events import Mapped, Outcome, PayloadError, map_chat, map_meta
from crawlers.logs import log_to_stderr
from crawlers.publish import PublishReport, RawPublisher
from pipeline.settings import Settings, WebhookSettings
from schemas import RawPost

log = structlog.get_logger("luister.webhook")

# Label values: the route ('meta', 'chat') and the Outcome vocabulary only. Never the vendor
# from the URL or anything from a payload: those are chosen by whoever sends the request.
EVENTS = prometheus_client.Counter(
    "luister_webhook_events_total", "Webhook events (or refused requests) by route and outcome.", ["route", "outcome"]
)

META_SIGNATURE = "X-Hub-Signature-256"
CHAT_SIGNATURE = "X-Luister-Signature"
CHAT_TIMESTAMP = "X-Luister-Timestamp"


class Publisher(Protocol):
    """What the receiver needs of `crawlers.publish.RawPublisher` (tests pass a fake)."""

    report: PublishReport

    def publish_post(self, post: RawPost) -> None: ...

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport: ...


class Stats(Counter[str]):
    """Outcome counts of one receiver since it started (the same numbers as the metric)."""


STATS = web.AppKey("stats", Stats)
_CONFIG = web.AppKey("config", WebhookSettings)
_PUBLISHER = web.AppKey("publisher", Publisher)
_PUBLISH_LOCK = web.AppKey("publish_lock", asyncio.Lock)
_CLOCK = web.AppKey("clock", Callable[[], datetime])


def make_webhook_app(
    config: WebhookSettings,
    publisher: Publisher,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> web.Application:
    """The receiver as an aiohttp application, publishing through `publisher`.

    Routes exist only for channels whose secrets are set (see the module docstring).
    `clock` stamps `fetched_at` and judges chat timestamps; tests fix it.
    """
    app = web.Application(client_max_size=config.max_body_bytes)
    app[STATS] = Stats()
    app[_CONFIG] = config
    app[_PUBLISHER] = publisher
    app[_PUBLISH_LOCK] = asyncio.Lock()
    app[_CLOCK] = clock
    app.router.add_get("/healthz", _health)
    routes = enabled_routes(config)
    if "/webhooks/meta" in routes:
        app.router.add_get("/webhooks/meta", _meta_handshake)
        app.router.add_post("/webhooks/meta", _receive_meta)
    if "/webhooks/chat/{vendor}" in routes:  # vendor as a source name part: 'chat.<vendor>'
        app.router.add_post(r"/webhooks/chat/{vendor:[a-z0-9][a-z0-9_-]{0,31}}", _receive_chat)
    return app


def enabled_routes(config: WebhookSettings) -> list[str]:
    """The POST routes the settings switch on."""
    routes = []
    if config.meta_app_secret is not None and config.meta_verify_token is not None:
        routes.append("/webhooks/meta")
    if config.chat_secret is not None:
        routes.append("/webhooks/chat/{vendor}")
    return routes


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """The signature header value for `body`: Meta's scheme without a timestamp, Luister's
    chat scheme (`"<timestamp>." + body`) with one."""
    message = body if timestamp is None else timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- handlers


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _meta_handshake(request: web.Request) -> web.Response:
    query = request.query
    expected = request.app[_CONFIG].meta_verify_token
    token = query.get("hub.verify_token", "")
    if (
        query.get("hub.mode") == "subscribe"
        and "hub.challenge" in query
        and expected is not None
        and hmac.compare_digest(_bytes(token), _bytes(expected.get_secret_value()))
    ):
        log.info("webhook_handshake", route="meta", outcome="subscribed")
        return web.Response(text=query["hub.challenge"])
    _count(request.app, "meta", Outcome.BAD_SIGNATURE)
    log.warning("webhook_handshake", route="meta", outcome=str(Outcome.BAD_SIGNATURE))
    return web.Response(status=403, text="verification failed")


async def _receive_meta(request: web.Request) -> web.Response:
    secret = request.app[_CONFIG].meta_app_secret
    assert secret is not None  # the route exists only with a secret
    body = await _read_body(request, "meta")
    if isinstance(body, web.Response):
        return body
    given = request.headers.get(META_SIGNATURE, "").strip().lower()
    if not hmac.compare_digest(_bytes(given), _bytes(sign(secret.get_secret_value(), body))):
        return _refuse(request.app, "meta", Outcome.BAD_SIGNATURE, 401, "missing or wrong " + META_SIGNATURE)
    return await _deliver(request, "meta", body, lambda payload, now: map_meta(payload, now))


async def _receive_chat(request: web.Request) -> web.Response:
    config = request.app[_CONFIG]
    assert config.chat_secret is not None  # the route exists only with a secret
    body = await _read_body(request, "chat")
    if isinstance(body, web.Response):
        return body
    timestamp = request.headers.get(CHAT_TIMESTAMP, "").strip()
    given = request.headers.get(CHAT_SIGNATURE, "").strip().lower()
    if not (timestamp.isascii() and timestamp.isdigit()) or not hmac.compare_digest(
        _bytes(given), _bytes(sign(config.chat_secret.get_secret_value(), body, timestamp))
    ):
        return _refuse(
            request.app, "chat", Outcome.BAD_SIGNATURE, 401, f"missing or wrong {CHAT_SIGNATURE} or {CHAT_TIMESTAMP}"
        )
    age_s = request.app[_CLOCK]().timestamp() - int(timestamp)
    if abs(age_s) > config.chat_max_age_s:
        return _refuse(
            request.app, "chat", Outcome.BAD_SIGNATURE, 401,
            f"{CHAT_TIMESTAMP} is more than {config.chat_max_age_s:g} s from our clock (replay protection)",
        )
    vendor = request.match_info["vendor"]
    return await _deliver(request, "chat", body, lambda payload, now: map_chat(vendor, payload, now))


# ---------------------------------------------------------------- shared steps


async def _read_body(request: web.Request, route: str) -> bytes | web.Response:
    """The raw body (signatures are over these exact bytes), or a 413 response."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[_CONFIG].max_body_bytes
        return _refuse(request.app, route, Outcome.BAD_PAYLOAD, 413, f"body larger than {limit} bytes")


async def _deliver(
    request: web.Request, route: str, body: bytes, map_payload: Callable[[Any, datetime], Mapped]
) -> web.Response:
    """Parse, map, publish and wait for Kafka: 200 only when every post is confirmed."""
    app = request.app
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _refuse(app, route, Outcome.BAD_PAYLOAD, 400, f"body is not valid JSON: {exc}")
    except RecursionError:  # '[[[[…' a million deep fits in the size limit
        return _refuse(app, route, Outcome.BAD_PAYLOAD, 400, "body is not valid JSON: nested too deeply")
    try:
        mapped = map_payload(payload, app[_CLOCK]())
    except PayloadError as exc:
        return _refuse(app, route, Outcome.BAD_PAYLOAD, 400, f"not a {route} delivery: {exc}")
    for skipped in mapped.skipped:
        _count(app, route, skipped.outcome)
        level = log.warning if skipped.outcome is Outcome.BAD_PAYLOAD else log.debug
        level("webhook_event", route=route, outcome=str(skipped.outcome), kind=str(skipped.kind),
              event_id=skipped.event_id)
    counts = Counter(str(s.outcome) for s in mapped.skipped)
    if mapped.posts:
        async with app[_PUBLISH_LOCK]:  # one request at a time, so the report's counts are this request's
            error = await asyncio.to_thread(
                _publish_confirmed, app[_PUBLISHER], mapped.posts, app[_CONFIG].publish_timeout_s
            )
        if error is not None:
            _count(app, route, Outcome.PUBLISH_FAILED, len(mapped.posts))
            log.error("webhook_request", route=route, outcome=str(Outcome.PUBLISH_FAILED), posts=len(mapped.posts),
                      error=error)
            return web.json_response(
                {"outcome": str(Outcome.PUBLISH_FAILED), "error": "Kafka did not confirm the posts; retry later"},
                status=503,
            )
        _count(app, route, Outcome.PUBLISHED, len(mapped.posts))
        counts[str(Outcome.PUBLISHED)] = len(mapped.posts)
    summary = {str(o): counts[str(o)] for o in (Outcome.PUBLISHED, Outcome.IGNORED, Outcome.BAD_PAYLOAD)}
    log.info("webhook_request", route=route, http_status=200, **summary)
    return web.json_response(summary)


def _publish_confirmed(publisher: Publisher, posts: list[RawPost], timeout_s: float) -> str | None:
    """Publish and wait for Kafka (runs in a thread: kafka-python blocks). None when every post
    was confirmed, else why not. Callers hold the publish lock."""
    sent_before, failed_before = publisher.report.sent, publisher.report.failed
    try:
        for post in posts:
            publisher.publish_post(post)
        report = publisher.flush(timeout_s)
    except KafkaError as exc:  # metadata or flush timed out: the posts may still arrive; the retry repeats them
        return f"{type(exc).__name__}: {exc}"
    sent, failed = report.sent - sent_before, report.failed - failed_before
    if failed or sent < len(posts):
        return f"Kafka confirmed {sent} of {len(posts)} posts ({failed} failed): {report.errors[-3:]}"
    return None


def _refuse(app: web.Application, route: str, outcome: Outcome, status: int, message: str) -> web.Response:
    _count(app, route, outcome)
    log.warning("webhook_request", route=route, outcome=str(outcome), http_status=status, error=message)
    return web.json_response({"outcome": str(outcome), "error": message}, status=status)


def _bytes(header: str) -> bytes:
    """A header value as bytes for compare_digest (which refuses non-ASCII str)."""
    return header.encode("utf-8", "replace")


def _count(app: web.Application, route: str, outcome: Outcome, n: int = 1) -> None:
    app[STATS][str(outcome)] += n
    EVENTS.labels(route, str(outcome)).inc(n)


# ---------------------------------------------------------------- command


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to listen on (default: settings.webhook.host, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port to listen on (default: settings.webhook.port, 8686).")
    ] = None,
) -> None:
    """Receive push channels (WhatsApp, Messenger, live chat) over HTTP and publish them to posts.raw.

    Routes: GET+POST /webhooks/meta (needs settings.webhook.meta_app_secret and
    meta_verify_token) and POST /webhooks/chat/VENDOR (needs settings.webhook.chat_secret).
    Every POST is verified by its HMAC signature and answered 200 only after Kafka confirmed
    its posts, 503 otherwise so the sender retries (at-least-once; post_id dedupes).
    Runs until interrupted; exits 2 when no route has its secrets set.
    """
    settings = Settings()
    log_to_stderr(settings)
    config = settings.webhook
    console = Console(stderr=True)
    routes = enabled_routes(config)
    if not routes:
        console.print(
            "[red]error:[/red] no webhook route is enabled; set LUISTER_WEBHOOK__META_APP_SECRET and "
            "LUISTER_WEBHOOK__META_VERIFY_TOKEN, and/or LUISTER_WEBHOOK__CHAT_SECRET"
        )
        raise typer.Exit(2)
    host, port = host or config.host, port or config.port
    with RawPublisher(settings) as publisher:
        app = make_webhook_app(config, publisher)
        console.print(f"webhook receiver on http://{escape(host)}:{port} ({', '.join(routes)}); Ctrl-C stops")
        # access_log=None: aiohttp's access log would write the handshake's hub.verify_token
        web.run_app(app, host=host, port=port, access_log=None, print=None)
    log.info("webhook_stopped", **{outcome: app[STATS][outcome] for outcome in map(str, Outcome)})
