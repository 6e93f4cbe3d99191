"""Every registered stream against a local streaming server: golden posts, back-off, rules, flushing.

Each stream in STREAMS needs `tests/fixtures/connectors/<name>/stream.json` (scripted
connections in the API's wire format, see tests/fixtures/connectors/stream_server.py) and
`stream_expected.jsonl` (the RawPosts the run must publish, gap fills included, in order).
No test waits for a back-off: `sleep` records the waits it was asked for.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from crawlers.connectors import CONNECTORS, STREAMS, build_stream, stream_options
from crawlers.connectors.base import FetchError, Status
from crawlers.connectors.mastodon_stream import MastodonEventParser
from crawlers.connectors.runner import PublishFailed
from crawlers.connectors.state import CursorStore
from crawlers.connectors.stream import Backoff, Event, ReconnectPolicy, StreamEvent
from crawlers.connectors.stream_runner import StreamOptions, StreamSummary, run_stream
from crawlers.connectors.x_stream import RULES_PATH, XLineParser
from crawlers.publish import PublishReport
from tests.fixtures.connectors.stream_server import FIXTURES, StreamServer, load_stream
from tests.unit.crawlers.test_connectors import TOKEN, MemoryPublisher, settings_for

X_STREAM = "/2/tweets/search/stream"
X_SEARCH = "/2/tweets/search/recent"
MAX_SLEEPS = 20  # a broken runner that reconnects forever is stopped here and fails its assertions


def expected_stream_posts(name: str) -> list[dict]:
    lines = (FIXTURES / name / "stream_expected.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


class StreamRun:
    """One stream wired to a StreamServer, a memory publisher and a cursor store in tmp_path."""

    def __init__(self, name: str, server: StreamServer, tmp_path: Path, script: dict[str, Any],
                 **connector_fields: object) -> None:
        self.name = name
        self.script = script
        self.settings = settings_for(name, server.base_url, tmp_path / "state", **connector_fields)
        self.now = datetime.fromisoformat(script["now"])
        self.store = CursorStore(self.settings.sources.state_dir, name)
        self.sleeps: list[float] = []
        self.stopped = False
        if script.get("cursor") is not None:
            self.store.save(script["query"], script["cursor"], self.now)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) >= MAX_SLEEPS:
            self.stopped = True

    def run(self, publisher: MemoryPublisher | None = None, options: StreamOptions | None = None,
            should_stop: Any = None) -> tuple[StreamSummary, MemoryPublisher]:
        publisher = publisher or MemoryPublisher()
        stream = build_stream(self.settings, self.name, self.script["query"], sleep=self.sleep,
                              clock=self.now.timestamp, now=self.now)
        options = options or stream_options(self.settings, self.script.get("max_posts"))
        try:
            summary = run_stream(
                stream, self.store, publisher, options,
                should_stop=should_stop or (lambda: self.stopped),
                sleep=self.sleep, clock=self.now.timestamp, now=lambda: self.now,
            )
        finally:
            stream.close()
        return summary, publisher


GAP_FILL_POST = "2124105592992698983"  # the one post the X fixture's gap-fill poll finds


def x_script(connections: list[dict], responses: list[dict] | None = None, **extra: Any) -> dict[str, Any]:
    """The X stream fixture with other connections (and optionally other REST responses), starting
    from a cursor whose gap-fill poll finds nothing new unless `cursor` says otherwise."""
    script = load_stream("x")
    script["connections"] = connections
    script["cursor"] = {"since_id": GAP_FILL_POST}
    if responses is not None:
        script["responses"] = responses
    script.update(extra)
    return script


def x_line(tweet_id: str) -> str:
    """A streamed tweet line, built from the fixture's first streamed post with another id."""
    line = json.loads(load_stream("x")["connections"][0]["chunks"][1])
    line["data"]["id"] = tweet_id
    return json.dumps(line, ensure_ascii=False) + "\r\n"


def held(*chunks: str) -> dict[str, Any]:
    return {"status": 200, "chunks": list(chunks), "end": "hold"}


# --- the registry -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_stream_has_fixtures(name: str) -> None:
    folder = FIXTURES / name
    missing = [f for f in ("stream.json", "stream_expected.jsonl") if not (folder / f).is_file()]
    assert not missing, (
        f"stream {name!r} has no {', '.join(missing)} in {folder}: script its connections in the API's "
        f"wire format (stream.json, see tests/fixtures/connectors/stream_server.py) and the RawPosts they "
        f"must give (stream_expected.jsonl); see docs/how_to_add_a_connector.md"
    )


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_stream_pairs_with_its_registered_poller(name: str) -> None:
    assert CONNECTORS.get(name) is STREAMS[name].poller_class, (
        f"STREAMS[{name!r}] must be keyed by the name of the polling connector it pairs with "
        f"(it shares that connector's mapping and cursor file)"
    )


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_golden_stream_through_drops_errors_and_refusals(name: str, tmp_path: Path) -> None:
    script = load_stream(name)
    with StreamServer.from_fixture(script) as server:
        run = StreamRun(name, server, tmp_path, script)
        summary, publisher = run.run()
    assert [p.model_dump(mode="json") for p in publisher.posts] == expected_stream_posts(name)
    assert run.sleeps == script["waits"]
    assert summary.last_status is Status.OK
    assert summary.events[str(Event.BAD_PAYLOAD)] == 1  # every fixture streams one post that cannot be mapped
    assert summary.gap_filled == 1  # every fixture has one post that only the gap-fill poll finds
    assert summary.published == script["max_posts"]
    assert run.store.load().cursor == {"since_id": expected_stream_posts(name)[-1]["external_id"]}


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_a_restart_polls_from_the_newest_streamed_id(name: str, tmp_path: Path) -> None:
    script = load_stream(name)
    with StreamServer.from_fixture(script) as server:
        StreamRun(name, server, tmp_path, script).run()
    newest = expected_stream_posts(name)[-1]["external_id"]
    restart = {**script, "cursor": None, "connections": [held()]}
    with StreamServer.from_fixture(restart) as server:
        run = StreamRun(name, server, tmp_path, restart)  # same state dir: the saved cursor is used
        summary, publisher = run.run(should_stop=lambda: bool(polls(server)))
        [poll] = polls(server)
    assert poll.params["since_id"] == newest
    assert publisher.posts == [] and summary.last_status is Status.OK


def polls(server: StreamServer) -> list:
    """The gap-fill polls a server saw (neither the stream nor X's rules)."""
    return [r for r in server.requests if r.method == "GET" and r.path not in (server.stream_path, RULES_PATH)]


# --- X rules ------------------------------------------------------------------------

QUERY = load_stream("x")["query"]
ADDED = {"data": [{"value": QUERY, "tag": "luister", "id": "42"}],
         "meta": {"sent": "2026-11-21T12:00:00.000Z", "summary": {"created": 1, "not_created": 0}}}


def rules_responses(server_rules: list[dict], added: dict | None = None) -> list[dict]:
    meta = {"sent": "2026-11-21T12:00:00.000Z", "result_count": len(server_rules)}
    return [
        {"method": "GET", "path": RULES_PATH, "body": {"data": server_rules, "meta": meta} if server_rules else
         {"meta": meta}},
        {"method": "POST", "path": RULES_PATH, "json_key": "delete",
         "body": {"meta": {"sent": "2026-11-21T12:00:00.000Z", "summary": {"deleted": 1, "not_deleted": 0}}}},
        {"method": "POST", "path": RULES_PATH, "json_key": "add", "status": 201, "body": added or ADDED},
    ]


@pytest.mark.parametrize(
    ("server_rules", "posted"),
    [
        ([], [{"add": [{"value": QUERY, "tag": "luister"}]}]),
        ([{"id": "7", "value": QUERY, "tag": "luister"}], []),  # already equal: nothing is sent
        ([{"id": "7", "value": QUERY, "tag": "iemand"}], []),  # a tag is only a label
        (
            [{"id": "7", "value": QUERY, "tag": "luister"}, {"id": "8", "value": "Golf OR Spaarkist"}],
            [{"delete": {"ids": ["8"]}}],
        ),
        (
            [{"id": "5", "value": "Bestelbaas"}, {"id": "6", "value": "golfhelpt lang:nl"}],
            [{"delete": {"ids": ["5", "6"]}}, {"add": [{"value": QUERY, "tag": "luister"}]}],
        ),
    ],
)
def test_x_rules_become_the_query(server_rules: list[dict], posted: list[dict], tmp_path: Path) -> None:
    script = x_script([], rules_responses(server_rules))
    with StreamServer.from_fixture(script) as server:
        stream = build_stream(StreamRun("x", server, tmp_path, script).settings, "x", QUERY)
        stream.prepare()
        stream.close()
    assert [r.body for r in server.requests_to(RULES_PATH, "POST")] == posted
    assert server.requests_to(RULES_PATH)[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_x_a_duplicate_rule_is_fine_and_an_invalid_one_stops(tmp_path: Path) -> None:
    duplicate = {"meta": {"sent": "2026-11-21T12:00:00.000Z", "summary": {"created": 0, "not_created": 1,
                                                                         "valid": 0, "invalid": 1}},
                 "errors": [{"value": QUERY, "id": "42", "title": "DuplicateRule",
                             "type": "https://api.twitter.com/2/problems/duplicate-rules"}]}
    invalid = {"meta": duplicate["meta"],
               "errors": [{"value": QUERY, "details": ["Reference to invalid operator 'lang:xx'"],
                           "title": "UnprocessableEntity", "type": "https://api.twitter.com/2/problems/invalid-rules"}]}
    for added, fails in ((duplicate, False), (invalid, True)):
        script = x_script([], rules_responses([], added))
        with StreamServer.from_fixture(script) as server:
            stream = build_stream(StreamRun("x", server, tmp_path, script).settings, "x", QUERY)
            try:
                if fails:
                    with pytest.raises(FetchError) as caught:
                        stream.prepare()
                    assert caught.value.status is Status.HTTP_ERROR and "UnprocessableEntity" in caught.value.detail
                else:
                    stream.prepare()
            finally:
                stream.close()


# --- reconnecting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.NETWORK_ERROR, [0.25, 0.5, 0.75, 1.0]),
        (Status.HTTP_ERROR, [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 320.0]),
        (Status.RATE_LIMITED, [60.0, 120.0, 240.0, 480.0, 960.0, 960.0]),
    ],
)
def test_backoff_follows_x_advice(status: Status, expected: list[float]) -> None:
    backoff = Backoff(ReconnectPolicy())
    assert [backoff.wait(status) for _ in expected] == expected


def test_backoff_network_waits_are_capped_and_reset_by_a_healthy_connection() -> None:
    backoff = Backoff(ReconnectPolicy())
    assert [backoff.wait(Status.NETWORK_ERROR) for _ in range(66)][-2:] == [16.0, 16.0]
    backoff.reset()
    assert backoff.wait(Status.NETWORK_ERROR) == 0.25


@pytest.mark.parametrize(("reset_in_s", "expected"), [(240.0, 240.0), (10.0, 60.0), (5000.0, 960.0), (None, 60.0)])
def test_backoff_429_honours_the_reset_time(reset_in_s: float | None, expected: float) -> None:
    assert Backoff(ReconnectPolicy()).wait(Status.RATE_LIMITED, reset_in_s) == expected


def test_network_errors_back_off_linearly_until_a_connection_delivers(tmp_path: Path) -> None:
    dropped = {"status": 200, "chunks": [], "end": "drop"}
    ended = {"status": 200, "chunks": [], "end": "close"}
    script = x_script([dropped, dropped, ended, held(x_line("2124110085092279473"))], cursor=None, max_posts=1)
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script)
        summary, publisher = run.run()
    assert run.sleeps == [0.25, 0.5, 0.75]
    assert summary.disconnects == {str(Status.NETWORK_ERROR): 3}
    assert [p.external_id for p in publisher.posts][-1] == "2124110085092279473"


def test_http_errors_back_off_exponentially(tmp_path: Path) -> None:
    unavailable = {"status": 503, "body": {"title": "Service Unavailable"}}
    script = x_script([unavailable, unavailable, unavailable, held(x_line("2124110085092279473"))], max_posts=1)
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script)
        summary, _ = run.run()
    assert run.sleeps == [5.0, 10.0, 20.0]
    assert summary.disconnects == {str(Status.HTTP_ERROR): 3} and summary.connections == 1


@pytest.mark.parametrize("code", [401, 403])
def test_x_auth_errors_stop_without_retrying(code: int, tmp_path: Path) -> None:
    script = x_script([{"status": code, "body": {"title": "Unauthorized", "type": "about:blank", "status": code}},
                       held(x_line("2124110085092279473"))])
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script)
        summary, publisher = run.run()
        stream_requests = server.requests_to(X_STREAM)
    assert summary.last_status is Status.AUTH_ERROR and summary.last_error == f"{code} on {X_STREAM}"
    assert run.sleeps == [] and len(stream_requests) == 1 and publisher.posts == []


def test_x_an_auth_error_on_the_rules_never_opens_the_stream(tmp_path: Path) -> None:
    refused = {"method": "GET", "path": RULES_PATH, "status": 401, "body": {"title": "Unauthorized"}}
    script = x_script([held()], [refused])
    with StreamServer.from_fixture(script) as server:
        summary, _ = StreamRun("x", server, tmp_path, script).run()
        assert server.requests_to(X_STREAM) == []
    assert summary.last_status is Status.AUTH_ERROR


def test_a_silent_connection_is_dropped_after_the_read_timeout(tmp_path: Path) -> None:
    script = x_script([held("\r\n"), held(x_line("2124110085092279473"))], max_posts=1)
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script, stream_read_timeout_s=0.3)
        summary, publisher = run.run()
    assert summary.disconnects == {str(Status.NETWORK_ERROR): 1}
    assert run.sleeps == [0.25] and [p.external_id for p in publisher.posts][-1] == "2124110085092279473"


# --- publishing and the cursor ------------------------------------------------------


class CountingPublisher(MemoryPublisher):
    """Records how many posts each flush confirmed; fails every flush after `fail_after` of them."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__()
        self.flushed: list[int] = []
        self.fail_after = fail_after

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport:
        self.flushed.append(len(self._pending))
        self.fail = self.fail_after is not None and len(self.flushed) > self.fail_after
        return super().flush(timeout_s)


FIVE = ["2124110085092279473", "2124110269641655005", "2124110408053688482", "2124110454191030367",
        "2124110554854329293"]


@pytest.mark.parametrize(
    ("flush_posts", "flush_interval_s", "flushed"),
    [
        (2, 3600.0, [0, 2, 2, 1]),  # every 2 posts, and the rest when the run ends
        (100, 0.0, [0, 1, 1, 1, 1, 1]),  # an interval that is always over: every post at once
    ],
)
def test_streamed_posts_are_confirmed_every_n_posts_or_t_seconds(
    flush_posts: int, flush_interval_s: float, flushed: list[int], tmp_path: Path
) -> None:
    script = x_script([held(*(x_line(i) for i in FIVE))], max_posts=5)
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script)
        publisher = CountingPublisher()
        run.run(publisher, StreamOptions(flush_posts=flush_posts, flush_interval_s=flush_interval_s, max_posts=5))
    assert publisher.flushed == flushed  # the first flush is the gap fill's page (nothing new)
    assert [p.external_id for p in publisher.posts] == FIVE
    assert run.store.load().cursor == {"since_id": FIVE[-1]}


def test_a_quiet_stream_confirms_its_posts_after_the_interval(tmp_path: Path) -> None:
    script = x_script([held(x_line(FIVE[0]))])
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script)
        publisher = CountingPublisher()
        # no post follows and no connection ends: only the quiet-stream flush can confirm it and end the run
        summary, _ = run.run(publisher, StreamOptions(flush_posts=100, flush_interval_s=0.05),
                             should_stop=lambda: bool(publisher.posts))
    assert publisher.flushed == [0, 1] and summary.published == 1
    assert summary.disconnects == {}  # confirmed while the connection was open, not when it ended
    assert run.store.load().cursor == {"since_id": FIVE[0]}


def test_kafka_not_confirming_keeps_the_cursor(tmp_path: Path) -> None:
    script = x_script([held(*(x_line(i) for i in FIVE))], max_posts=5, cursor=load_stream("x")["cursor"])
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script)
        with pytest.raises(PublishFailed):
            run.run(CountingPublisher(fail_after=1), StreamOptions(flush_posts=2, max_posts=5))
    assert run.store.load().cursor == {"since_id": GAP_FILL_POST}  # the gap fill's, confirmed before


def test_a_failed_gap_fill_publishes_the_stream_but_keeps_the_cursor(tmp_path: Path) -> None:
    script = x_script([held(x_line(FIVE[0]))], max_posts=1)
    script["responses"] = [r for r in script["responses"] if r["path"] != X_SEARCH] + [
        {"path": X_SEARCH, "status": 400, "body": {"title": "Invalid Request"}}
    ]
    with StreamServer.from_fixture(script) as server:
        run = StreamRun("x", server, tmp_path, script)
        summary, publisher = run.run()
    assert [p.external_id for p in publisher.posts] == [FIVE[0]] and summary.last_status is Status.OK
    assert run.store.load().cursor == script["cursor"]  # the gap stays open until a poll closes it


# --- wire formats -------------------------------------------------------------------


def test_x_lines() -> None:
    parser = XLineParser()
    tweet = json.loads(x_line(FIVE[0]))
    [post] = parser.feed(json.dumps(tweet))
    assert post.kind is Event.POST and post.item["tweet"]["id"] == FIVE[0]
    assert post.item["author"]["username"] == "jansen_nl"
    assert post.item["in_reply_to_user"]["username"] == "bestelbaas_helpt"
    partial = {**tweet, "errors": [{"title": "Authorization Error", "resource_type": "user"}]}
    assert [e.kind for e in parser.feed(json.dumps(partial))] == [Event.POST]
    assert parser.feed("") == [StreamEvent(Event.HEARTBEAT)]
    assert parser.feed('{"errors": [{"title": "operational-disconnect"}]}') == [
        StreamEvent(Event.ERROR, detail="operational-disconnect")
    ]
    assert [e.kind for e in parser.feed("<html>Bestelbaas is even weg</html>")] == [Event.BAD_PAYLOAD]
    assert [e.kind for e in parser.feed('["data"]')] == [Event.BAD_PAYLOAD]
    assert [e.kind for e in parser.feed('{"data": "Spaarkist"}')] == [Event.BAD_PAYLOAD]


@pytest.mark.parametrize(
    ("lines", "events"),
    [
        ([":thump"], [StreamEvent(Event.HEARTBEAT)]),
        (["event: update", 'data: {"id": "1", "content": "<p>Golf plat</p>"}', ""],
         [StreamEvent(Event.POST, item={"id": "1", "content": "<p>Golf plat</p>"})]),
        (["event:update", 'data:{"id": "2"}', ""], [StreamEvent(Event.POST, item={"id": "2"})]),
        (["event: update", 'data: {"id": "3",', 'data: "language": "nl"}', ""],
         [StreamEvent(Event.POST, item={"id": "3", "language": "nl"})]),
        (["event: delete", "data: 117606000000000070", ""], [StreamEvent(Event.DELETE)]),
        (["event: status.update", 'data: {"id": "4"}', ""], [StreamEvent(Event.IGNORED)]),
        (["event: notification", 'data: {"type": "mention"}', ""], [StreamEvent(Event.IGNORED)]),
        (["event: update", "data: Spaarkist ligt eruit", ""],
         [StreamEvent(Event.BAD_PAYLOAD, detail="update data is not JSON")]),
        (["event: update", "data: [1, 2]", ""],
         [StreamEvent(Event.BAD_PAYLOAD, detail="update data is not a JSON object")]),
        (["event: update", ""], []),  # an event without data is no event
        (["", ""], []),
    ],
)
def test_mastodon_server_sent_events(lines: list[str], events: list[StreamEvent]) -> None:
    parser = MastodonEventParser()
    assert [event for line in lines for event in parser.feed(line)] == events


@pytest.mark.parametrize("token", [None, "mastodon-geheim-1234"])
def test_mastodon_stream_url_and_token(token: str | None, tmp_path: Path) -> None:
    script = load_stream("mastodon")
    with StreamServer(script["stream_path"], [held()], []) as streaming, \
            StreamServer("/niet-gebruikt", [], script["responses"]) as rest:
        fields: dict[str, Any] = {"mastodon_streaming_url": streaming.base_url}
        if token:
            fields["mastodon_token"] = SecretStr(token)
        run = StreamRun("mastodon", rest, tmp_path, script, **fields)
        run.run(should_stop=lambda: bool(streaming.requests) and bool(rest.requests))
        [request] = streaming.requests
    assert request.params == {"tag": "spaarkiststoring"} and request.headers["accept"] == "text/event-stream"
    assert request.headers.get("authorization") == (f"Bearer {token}" if token else None)
    assert rest.requests[0].path == "/api/v1/timelines/tag/spaarkiststoring"  # the gap fill uses the REST host


def test_connect_stream_options_are_checked_and_documented() -> None:
    import typer
    from typer.testing import CliRunner

    from crawlers.connectors.cli import connect

    app = typer.Typer()
    app.command("connect")(connect)
    app.command("other")(lambda: None)
    runner = CliRunner()
    helped = runner.invoke(app, ["connect", "--help"])
    assert helped.exit_code == 0 and "--stream" in helped.output and "--max-posts" in helped.output
    assert runner.invoke(app, ["connect", "reddit", "--stream"]).exit_code == 2  # reddit has no stream
    assert runner.invoke(app, ["connect", "x", "--stream", "--once"]).exit_code == 2
    assert runner.invoke(app, ["connect", "x", "--max-posts", "3"]).exit_code == 2  # --max-posts needs --stream
