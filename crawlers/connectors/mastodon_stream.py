"""Mastodon streaming API, hashtag stream or public stream.

- Endpoint: `GET /api/v1/streaming/hashtag?tag=<tag>` (Mastodon streaming API v1) on the
  instance's streaming base URL (`mastodon_streaming_url`, else `mastodon_base_url`: most
  instances proxy `/api/v1/streaming` there). The token, when configured, goes in the
  `Authorization: Bearer` header; public streams need none unless the instance requires it.
  With `mastodon_timeline = "public"` (the poller's `options.extra["timeline"]`) it is
  `GET /api/v1/streaming/public` (no parameters: local and federated statuses) instead.
- Wire format: Server-Sent Events. `event: update` + `data: <Status JSON>` is a new status,
  mapped by `MastodonConnector.to_raw_post` exactly like a polled one; `event: delete` +
  `data: <id>` is counted as `delete` and otherwise ignored for now (the pipeline has no
  erasure path from streams yet); `status.update` (edits) and other events are counted as
  `ignored`; comment lines (`:)` on connect, `:thump` heartbeats) keep the connection alive.
- Rate limits: none on the stream itself beyond connection limits; a 429 on connect waits
  for `X-RateLimit-Reset` or backs off from 1 minute.
- Delivery: at-least-once, with gaps closed by a round of the same timeline (hashtag or
  public) on every connect (see `stream_runner.py`); the cursor (`since_id`) is shared with
  `connect mastodon`.
"""

from __future__ import annotations

import json

from crawlers.connectors.mastodon import MastodonConnector
from crawlers.connectors.stream import Event, LineParser, StreamConnector, StreamEvent
from pipeline.settings import ConnectorSettings

STREAM_PATH = "/api/v1/streaming/hashtag"
PUBLIC_STREAM_PATH = "/api/v1/streaming/public"


class MastodonStreamConnector(StreamConnector):
    """The live stream of one hashtag (the query, without '#') on one instance, or its public
    stream when the poller follows the public timeline."""

    name = "mastodon"
    poller_class = MastodonConnector
    accept = "text/event-stream"

    @classmethod
    def stream_url(cls, settings: ConnectorSettings) -> str:
        return settings.mastodon_streaming_url or settings.mastodon_base_url

    def request(self) -> tuple[str, dict[str, str]]:
        if self.poller.options.extra.get("timeline") == "public":
            return PUBLIC_STREAM_PATH, {}
        return STREAM_PATH, {"tag": self.query.lstrip("#")}

    def parser(self) -> LineParser:
        return MastodonEventParser()


class ServerSentEvents:
    """The line-level rules of the SSE format (WHATWG HTML, "server-sent events").

    `feed(line)` returns a finished (event type, data) pair on the blank line that ends an
    event, "comment" for a comment line, else None. Multiple `data:` lines join with "\\n";
    one space after the colon is dropped; `id` and `retry` are not used by Mastodon.
    """

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []

    def feed(self, line: str) -> tuple[str, str] | str | None:
        if not line:
            if not self._data:
                self._event = ""
                return None
            finished = (self._event or "message", "\n".join(self._data))
            self._event, self._data = "", []
            return finished
        if line.startswith(":"):
            return "comment"
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None


class MastodonEventParser:
    """SSE events of the Mastodon streaming API → stream events."""

    def __init__(self) -> None:
        self._sse = ServerSentEvents()

    def feed(self, line: str) -> list[StreamEvent]:
        got = self._sse.feed(line)
        if got is None:
            return []
        if got == "comment":
            return [StreamEvent(Event.HEARTBEAT)]
        event, data = got
        if event == "delete":
            return [StreamEvent(Event.DELETE)]
        if event != "update":
            return [StreamEvent(Event.IGNORED)]
        try:
            status = json.loads(data)
        except ValueError:
            return [StreamEvent(Event.BAD_PAYLOAD, detail="update data is not JSON")]
        if not isinstance(status, dict):
            return [StreamEvent(Event.BAD_PAYLOAD, detail="update data is not a JSON object")]
        return [StreamEvent(Event.POST, item=status)]
