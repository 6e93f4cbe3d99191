"""A local HTTP server that answers like Slack's incoming webhooks, and records what it was sent.

What it copies from Slack (docs.slack.dev "Sending messages using incoming webhooks", its "Handling
errors" table, and the changelog "Improving error conditions for incoming webhooks"): a message is a
JSON POST to ``/services/<team>/<bot>/<secret>``; success is 200 with the text body ``ok``; an error is a
status with one short word as a ``text/plain`` body:

- 400 ``invalid_payload``: the body is not JSON (or not sent as ``application/json``);
- 400 ``no_text``: neither ``text`` nor ``blocks``;
- 400 ``invalid_blocks``: a Block Kit limit is broken (header text over 150, section text over 3,000,
  more than 10 fields or a field over 2,000, more than 10 context elements, more than 50 blocks);
- 404 ``no_service``: no such hook (a path that is no ``/services/<team>/<bot>/<secret>``; a revoked
  hook is faked with ``fail_next(404)``);
- 403 ``action_prohibited``, 410 ``channel_is_archived``, 429 (rate limited, with ``Retry-After``) and
  500 ``rollup_error`` happen on Slack's side, so tests force them with ``fail_next``.

Slack does not say whether it counts characters or UTF-16 units; the fake counts UTF-16 units, never
fewer, so a message it accepts fits either way.

The same server is a generic webhook receiver at ``/hooks/<name>``: it answers 200 to any body and
records it raw, verifying nothing (tests call ``pipeline.notify.webhook.verify`` on what it recorded).

Every request that reaches the server is recorded (``received``); ``requests(prefix)`` are the ones it
answered 200. ``down()`` closes the listening socket, so senders get "connection refused" as when Slack
is unreachable; ``up()`` listens again on the same port. It runs in a thread of the test process.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

# Slack's limits, written out from its docs rather than imported from pipeline/notify/slack.py: the fake
# checks that module instead of trusting it.
HEADER_CHARS = 150
SECTION_TEXT_CHARS = 3_000
FIELDS = 10
FIELD_CHARS = 2_000
CONTEXT_ELEMENTS = 10
BLOCKS = 50

# The short body Slack sends with each status; a forced answer without a body gets the one of its status.
SLACK_ERRORS = {
    400: "invalid_payload",
    403: "action_prohibited",
    404: "no_service",
    410: "channel_is_archived",
    429: "rate_limited",
    500: "rollup_error",
}


# Slack's hook URLs: https://hooks.slack.com/services/T…/B…/<secret>
SLACK_HOOK = re.compile(r"/services/[^/]+/[^/]+/[^/]+")
WEBHOOK = re.compile(r"/hooks/[^/]+")


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it; ``at`` is ``time.time()`` on arrival, ``headers`` ignore case."""

    at: float
    path: str
    headers: httpx.Headers
    body: bytes
    status: int
    answer: str

    @property
    def json(self) -> Any:
        """The body parsed as JSON, None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(frozen=True)
class _Answer:
    status: int
    body: str
    retry_after: str | None = None


class FakeSlack:
    """Slack's incoming webhooks and a webhook receiver on ``127.0.0.1``, on a free port; a context manager.

    ``url("/services/T1/B1/secret")`` is a Slack hook, ``url("/hooks/name")`` a generic receiver.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._port = 0  # 0 until the first start picks a free port; then kept across down() and up()
        self._forced: deque[_Answer] = deque()
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeSlack:
        self.up()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.down()

    def url(self, path: str) -> str:
        """The address of ``path`` on this server (the port stays the same across ``down()`` and ``up()``)."""
        return f"http://{self._host}:{self._port}{path}"

    def up(self) -> None:
        """Listen (again, on the same port once one was picked); nothing when already up."""
        if self._server is not None:
            return
        self._server = _Server((self._host, self._port), _Handler, self)
        self._port = self._server.server_address[1]
        # a short poll interval: down() waits for the loop to notice, and tests call it often
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-slack", daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Close the listening socket: connections are refused until ``up()``; nothing when already down."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server, self._thread = None, None

    def fail_next(self, status: int, *, retry_after: int | str | None = None, body: str | None = None,
                  times: int = 1) -> None:
        """Answer the next ``times`` requests (on any path) with ``status`` instead of judging them.

        ``body`` defaults to Slack's word for the status (``SLACK_ERRORS``), else the HTTP reason phrase;
        ``retry_after`` (seconds or an HTTP-date) is sent as the Retry-After header.
        """
        text = body if body is not None else SLACK_ERRORS.get(status, HTTPStatus(status).phrase)
        answer = _Answer(status, text, None if retry_after is None else str(retry_after))
        with self._changed:
            self._forced.extend([answer] * times)

    @property
    def received(self) -> list[Received]:
        """Every request that reached the server, in arrival order."""
        with self._changed:
            return list(self._received)

    def requests(self, prefix: str = "/") -> list[Received]:
        """The requests answered 200 whose path starts with ``prefix``, in arrival order."""
        with self._changed:
            return self._accepted(prefix)

    def wait_for(self, n: int, timeout: float = 10.0, prefix: str = "/") -> list[Received]:
        """``requests(prefix)`` once there are at least ``n``; TimeoutError after ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._accepted(prefix)) >= n, timeout):
                statuses = [request.status for request in self._received]
                raise TimeoutError(f"{n} accepted requests expected within {timeout} s; statuses so far: {statuses}")
            return self._accepted(prefix)

    def _accepted(self, prefix: str) -> list[Received]:
        return [request for request in self._received if request.status == 200 and request.path.startswith(prefix)]

    def respond(self, path: str, headers: httpx.Headers, body: bytes, at: float) -> _Answer:
        """Judge one request, record it, and return the answer to send (called by the handler threads)."""
        with self._changed:
            answer = self._forced.popleft() if self._forced else self._judge(path, headers, body)
            self._received.append(Received(at, path, headers, body, answer.status, answer.body))
            self._changed.notify_all()
        return answer

    def _judge(self, path: str, headers: httpx.Headers, body: bytes) -> _Answer:
        if WEBHOOK.fullmatch(path):
            return _Answer(200, "ok")
        if not SLACK_HOOK.fullmatch(path):
            return _Answer(404, "no_service")
        error = slack_error(headers.get("content-type", ""), body)
        return _Answer(400, error) if error else _Answer(200, "ok")


def slack_error(content_type: str, body: bytes) -> str | None:
    """Slack's error word for a message sent to a valid hook, or None when Slack would post it."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        return "invalid_payload"
    try:
        message = json.loads(body)
    except ValueError:
        return "invalid_payload"
    if not isinstance(message, dict):
        return "invalid_payload"
    if not message.get("text") and not message.get("blocks"):
        return "no_text"
    if not _blocks_fit(message.get("blocks", [])):
        return "invalid_blocks"
    return None


def _blocks_fit(blocks: Any) -> bool:
    if not isinstance(blocks, list) or len(blocks) > BLOCKS:
        return False
    return all(isinstance(block, dict) and _block_fits(block) for block in blocks)


def _block_fits(block: dict[str, Any]) -> bool:
    kind = block.get("type")
    if kind == "header":
        return _fits(block.get("text"), HEADER_CHARS)
    if kind == "section":
        fields = block.get("fields", [])
        return (
            ("text" not in block or _fits(block["text"], SECTION_TEXT_CHARS))
            and isinstance(fields, list) and len(fields) <= FIELDS
            and all(_fits(field, FIELD_CHARS) for field in fields)
        )
    if kind == "context":
        elements = block.get("elements", [])
        return isinstance(elements, list) and 0 < len(elements) <= CONTEXT_ELEMENTS
    return True


def _fits(text_object: Any, limit: int) -> bool:
    """Whether ``text_object`` is a text object (``{"type": ..., "text": "..."}``) within ``limit`` units."""
    if not isinstance(text_object, dict) or not isinstance(text_object.get("text"), str):
        return False
    return len(text_object["text"].encode("utf-16-le")) // 2 <= limit


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeSlack) -> None:
        super().__init__(address, handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        at = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = httpx.Headers(list(self.headers.items()))
        answer = self.server.fake.respond(self.path, headers, body, at)
        payload = answer.body.encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if answer.retry_after is not None:
            self.send_header("Retry-After", answer.retry_after)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's signature)
        """Silent: the request line holds the hook's secret, and stderr is not the tests' to fill."""
