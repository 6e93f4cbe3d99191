"""The shared HTTP layer, the runner and the cursor store, against the local fake API.

No test waits for real: `sleep` records the waits it was asked for.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import structlog

from crawlers.connectors import CONNECTORS, build_connector
from crawlers.connectors.base import FetchError, Status, leading_mentions
from crawlers.connectors.http import ApiClient, RetryPolicy, retry_after_s
from crawlers.connectors.mastodon import html_to_text
from crawlers.connectors.runner import PublishFailed
from crawlers.connectors.state import CursorStore
from crawlers.connectors.x import read_rate_limit as x_rate_limit
from tests.fixtures.connectors.fake_api import FakeApi, load_api
from tests.unit.crawlers.test_connectors import TOKEN, MemoryPublisher, Run, expected_posts

NOW = 1_795_000_000.0  # a fixed clock for rate-limit arithmetic
X_PATH = "/2/tweets/search/recent"


@pytest.fixture
def x_api():
    with FakeApi(load_api("x")["responses"]) as api:
        yield api


def client(api: FakeApi, sleeps: list[float], **retry: float) -> ApiClient:
    return ApiClient(
        api.base_url,
        token=None,
        user_agent="test",
        timeout_s=5,
        retry=RetryPolicy(**retry),
        rate_limit=x_rate_limit,
        sleep=sleeps.append,
        clock=lambda: NOW,
    )


def test_429_waits_for_retry_after_then_succeeds(x_api: FakeApi) -> None:
    sleeps: list[float] = []
    x_api.inject(429, {"Retry-After": "17"}, {"title": "Too Many Requests"})
    response = client(x_api, sleeps).get(X_PATH, {"query": "Spaarkist"})
    assert sleeps == [17.0]
    assert response.data["meta"]["result_count"] == 3


def test_429_without_retry_after_waits_for_x_rate_limit_reset(x_api: FakeApi) -> None:
    sleeps: list[float] = []
    x_api.inject(429, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW) + 240)})
    client(x_api, sleeps).get(X_PATH, {"query": "Spaarkist"})
    assert sleeps == [240.0]


def test_429_with_a_reset_beyond_the_cap_ends_as_rate_limited_without_waiting(x_api: FakeApi) -> None:
    sleeps: list[float] = []
    x_api.inject(429, {"Retry-After": "3600"})
    with pytest.raises(FetchError) as caught:
        client(x_api, sleeps, max_rate_limit_wait_s=900).get(X_PATH, {"query": "Spaarkist"})
    assert caught.value.status is Status.RATE_LIMITED
    assert sleeps == []


def test_an_exhausted_window_is_waited_out_before_the_next_request(x_api: FakeApi) -> None:
    sleeps: list[float] = []
    x_api.inject(200, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW) + 90)}, {"meta": {}})
    api = client(x_api, sleeps)
    api.get(X_PATH, {"query": "Spaarkist"})
    assert sleeps == []
    api.get(X_PATH, {"query": "Spaarkist"})
    assert sleeps == [90.0]


def test_5xx_is_retried_with_capped_exponential_backoff(x_api: FakeApi) -> None:
    sleeps: list[float] = []
    x_api.inject(503, body={"title": "Service Unavailable"}, times=4)
    response = client(x_api, sleeps, max_attempts=5, backoff_initial_s=1, backoff_max_s=5).get(X_PATH, {"query": "a"})
    assert sleeps == [1, 2, 4, 5]
    assert response.data["meta"]["result_count"] == 3


def test_5xx_that_does_not_stop_ends_as_http_error(x_api: FakeApi) -> None:
    sleeps: list[float] = []
    x_api.inject(502, times=3)
    with pytest.raises(FetchError) as caught:
        client(x_api, sleeps, max_attempts=3).get(X_PATH, {"query": "a"})
    assert (caught.value.status, caught.value.http_status) == (Status.HTTP_ERROR, 502)
    assert len(x_api.requests) == 3


@pytest.mark.parametrize(
    ("status", "raw", "expected"),
    [
        (401, '{"title": "Unauthorized"}', Status.AUTH_ERROR),
        (403, '{"title": "Forbidden"}', Status.AUTH_ERROR),
        (400, '{"errors": [{"message": "Invalid query"}]}', Status.HTTP_ERROR),
        (200, "<html><body>Onderhoud</body></html>", Status.BAD_PAYLOAD),
    ],
)
def test_failures_that_are_not_retried(x_api: FakeApi, status: int, raw: str, expected: Status) -> None:
    sleeps: list[float] = []
    x_api.inject(status, raw=raw)
    with pytest.raises(FetchError) as caught:
        client(x_api, sleeps).get(X_PATH, {"query": "a"})
    assert caught.value.status is expected
    assert sleeps == [] and len(x_api.requests) == 1


def test_network_errors_are_retried_then_reported() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    api = ApiClient(f"http://127.0.0.1:{port}", token=None, user_agent="t", timeout_s=2,
                    retry=RetryPolicy(max_attempts=3), sleep=sleeps.append)
    with pytest.raises(FetchError) as caught:
        api.get("/x")
    assert caught.value.status is Status.NETWORK_ERROR
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("120", 120.0), ("Wed, 25 Nov 2026 12:00:30 GMT", 30.0), ("binnenkort", None), ("", None)],
)
def test_retry_after_forms(header: str, expected: float | None) -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC).timestamp()
    assert retry_after_s(httpx.Headers({"Retry-After": header}), now) == expected


MALFORMED_PAGES = {
    "x": {"data": "geen lijst"},
    "reddit": {"kind": "t3", "data": {}},
    "mastodon": {"error": "nee"},
    "bluesky": {"feed": []},
    "facebook": {"data": "geen lijst"},
    "instagram": {"error": {"message": "geen account", "code": "onbekend"}},
    "youtube": {"kind": "youtube#videoListResponse", "items": []},
}


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_malformed_page_is_bad_payload_and_keeps_the_cursor(name: str, tmp_path: Path) -> None:
    assert name in MALFORMED_PAGES, f"add a malformed page of the {name!r} API to MALFORMED_PAGES"
    malformed = MALFORMED_PAGES
    with FakeApi(load_api(name)["responses"]) as api:
        run = Run(name, api, tmp_path)
        api.inject(200, body=malformed[name])
        summary, publisher = run.once()
        assert summary.last_status is Status.BAD_PAYLOAD
        assert publisher.posts == [] and run.store.load() is None


def test_a_failure_mid_run_resumes_after_the_last_confirmed_page(tmp_path: Path) -> None:
    with FakeApi(load_api("x")["responses"]) as api:
        run = Run("x", api, tmp_path)
        first_page = api.responses[1]
        api.responses = [first_page]  # page 2 is not scripted: the run stops there
        api.inject(200, first_page["headers"], first_page["body"])
        api.inject(401, raw='{"title": "Unauthorized"}')
        summary, publisher = run.once()
        assert summary.last_status is Status.AUTH_ERROR and summary.pages == 1
        assert run.store.load().cursor["next_token"] == "b26v89c19zqg8o3fpdv"

        api.responses = load_api("x")["responses"]
        summary, publisher2 = run.once()
        assert summary.last_status is Status.OK
        assert api.requests[-3].params["next_token"] == "b26v89c19zqg8o3fpdv"
        ids = [p.post_id for p in publisher.posts + publisher2.posts]
        assert ids == [p["post_id"] for p in expected_posts("x")]


def test_cursor_is_not_saved_when_kafka_does_not_confirm(tmp_path: Path) -> None:
    with FakeApi(load_api("mastodon")["responses"]) as api:
        run = Run("mastodon", api, tmp_path)
        with pytest.raises(PublishFailed):
            run.once(MemoryPublisher(fail=True))
        assert run.store.load() is None


def test_a_changed_query_starts_a_new_backfill(tmp_path: Path) -> None:
    store = CursorStore(tmp_path, "x")
    store.save("Golf", {"since_id": "1"}, datetime(2026, 11, 21, tzinfo=UTC))
    with FakeApi(load_api("x")["responses"]) as api:
        run = Run("x", api, tmp_path)
        run.store = store
        summary, publisher = run.once()
    assert "since_id" not in api.requests[0].params
    assert store.load().query == run.script["query"]


def test_cursor_file_is_replaced_atomically(tmp_path: Path) -> None:
    store = CursorStore(tmp_path, "reddit")
    assert store.load() is None
    store.save("Spaarkist", {"watermark": "1.0"}, datetime(2026, 11, 21, tzinfo=UTC))
    store.save("Spaarkist", {"watermark": "2.0"}, datetime(2026, 11, 21, tzinfo=UTC))
    assert store.path == tmp_path / "connectors" / "reddit.json"
    assert json.loads(store.path.read_text())["cursor"] == {"watermark": "2.0"}
    assert [p.name for p in store.path.parent.iterdir()] == ["reddit.json"]  # no temporary files left


def test_bearer_token_is_sent_and_never_logged(tmp_path: Path) -> None:
    with FakeApi(load_api("x")["responses"]) as api, structlog.testing.capture_logs() as logs:
        run = Run("x", api, tmp_path)
        api.inject(503)
        api.inject(401, raw="{}")
        summary, _ = run.once()
    assert api.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(logs) and TOKEN not in repr(summary)


def test_reddit_posts_in_the_watermark_second_are_neither_lost_nor_repeated(tmp_path: Path) -> None:
    script = load_api("reddit")
    with FakeApi(script["responses"]) as api:
        run = Run("reddit", api, tmp_path)
        run.once()
        newest = api.responses[0]["body"]["data"]["children"][0]
        late = json.loads(json.dumps(newest))
        late["data"].update(id="kx91zzz", name="t3_kx91zzz", title="Ook Spaarkist, zelfde seconde")
        api.inject(200, body={"kind": "Listing", "data": {"after": None, "children": [late, newest]}})
        _, publisher = run.once()
    assert [p.post_id for p in publisher.posts] == ["reddit:t3_kx91zzz"]


@pytest.mark.parametrize(("days", "expected_days"), [(2, 2.0), (30, 7.0)])  # recent search reaches 7 days back
def test_x_first_run_starts_at_the_backfill_window(tmp_path: Path, days: int, expected_days: float) -> None:
    with FakeApi(load_api("x")["responses"]) as api:
        run = Run("x", api, tmp_path)
        settings = run.settings.model_copy(
            update={"sources": run.settings.sources.model_copy(update={"backfill_days": days})}
        )
        now = datetime.now(UTC)
        build_connector(settings, "x", "Golf", now=now).fetch_page(None)
    start = datetime.fromisoformat(api.requests[0].params["start_time"].replace("Z", "+00:00"))
    assert abs((now - start).total_seconds() / 86400 - expected_days) < 0.01


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Spaarkist &amp; Golf</p><p>#storing</p>", "Spaarkist & Golf\n\n#storing"),
        ("<p>regel een<br>regel twee</p>", "regel een\nregel twee"),
        ('<p><a href="https://x.example/lang"><span class="invisible">https://</span>'
         '<span class="ellipsis">x.example/la</span><span class="invisible">ng</span></a></p>',
         "https://x.example/lang"),
        ("", ""),
        ("zonder alinea", "zonder alinea"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("@bestelbaas_helpt waar blijft mijn pakket?", ["bestelbaas_helpt"]),
        ("@golfhelpt @golfnl nog steeds geen bereik", ["golfhelpt", "golfnl"]),
        ("@spaarkist@bankpraat.nl allee", ["spaarkist@bankpraat.nl"]),
        ("RT @marloes_b: Spaarkist plat", []),
        ("Ik heb @bestelbaas gemaild", []),
    ],
)
def test_leading_mentions(text: str, handles: list[str]) -> None:
    assert leading_mentions(text) == handles


def test_connect_command_rejects_an_unknown_connector_and_documents_itself() -> None:
    import typer
    from typer.testing import CliRunner

    from crawlers.connectors.cli import connect

    app = typer.Typer()
    app.command("connect")(connect)
    app.command("other")(lambda: None)  # two commands, so `connect` is a subcommand as in `luister`
    runner = CliRunner()
    helped = runner.invoke(app, ["connect", "--help"])
    assert helped.exit_code == 0 and "--once" in helped.output and "mastodon" in helped.output
    unknown = runner.invoke(app, ["connect", "myspace", "--once"])
    assert unknown.exit_code == 2


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        ({"since_id": "2124084160099284178"}, {"since_id": "2124084160099284178"}),  # 21 Nov: inside the window
        ({"since_id": "2116969203773844470"}, {"start_time": "2026-11-18T12:01:00Z"}),  # 1 Nov: too old for X
        ({"start_time": "2026-11-02T00:00:00Z"}, {"start_time": "2026-11-18T12:01:00Z"}),
        ({"start_time": "2026-11-20T00:00:00Z"}, {"start_time": "2026-11-20T00:00:00Z"}),
    ],
)
def test_x_new_rounds_stay_inside_the_recent_search_window(tmp_path: Path, cursor: dict, expected: dict) -> None:
    with FakeApi(load_api("x")["responses"]) as api:
        run = Run("x", api, tmp_path)
        build_connector(run.settings, "x", "Golf", now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC)).fetch_page(cursor)
    params = api.requests[0].params
    assert {k: params[k] for k in ("since_id", "start_time") if k in params} == expected
