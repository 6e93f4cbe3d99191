"""`luister api` without a search engine: parameters are checked before the engine is asked,
cursors survive the round trip, and the OpenAPI document describes every endpoint.

The app points at a port that refuses connections, so any request that reached the engine
would fail with a 5xx instead of the 4xx asserted here.
"""

from __future__ import annotations

import base64
import json
import re
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipeline.api import MAX_PAGE, MonitorReport, create_app, decode_cursor, encode_cursor
from pipeline.cli import app as cli
from pipeline.reports import Report, Response
from pipeline.search.filters import PostFilter
from pipeline.settings import RelevanceSettings, SearchSettings, Settings
from processors.relevance.monitors import load_monitors

MONITORS_FILE = Path(__file__).resolve().parents[2] / "deploy" / "local" / "sample" / "monitors.yaml"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    """The API against an engine URL where nothing listens: a bound socket that never accepts."""
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed_port.getsockname()[1]}"
        settings = Settings(search=SearchSettings(url=url, request_timeout_s=2),
                            relevance=RelevanceSettings(monitors_file=MONITORS_FILE))
        with TestClient(create_app(settings)) as client:
            yield client


def _message(exc_type: type[Exception], make: object) -> str:
    """The message the library itself gives for a bad value (so the API passes it on unchanged)."""
    with pytest.raises(exc_type) as caught:
        make()  # type: ignore[operator]
    return str(caught.value)


INVALID_SEARCHES = [
    # (query string, where the error is, a part of its message)
    ("size=101", ["query", "size"], str(MAX_PAGE)),
    ("size=0", ["query", "size"], "greater than or equal to 1"),
    ("since=gisteren", ["query", "since"], "cannot read 'gisteren' as a time"),
    ("until=volgende%20week", ["query", "until"], "cannot read 'volgende week' as a time"),
    ("sentiment=boos", ["query"], _message(ValueError, lambda: PostFilter(sentiments=("boos",)))),
    ("sentiment=negative&intent=klacht", ["query"], _message(ValueError, lambda: PostFilter(intents=("klacht",)))),
    ("priority=spoed", ["query"], _message(ValueError, lambda: PostFilter(priorities=("spoed",)))),
    ("since=2026-11-02&until=2026-11-01", ["query"], "must be before until"),
    ("cursor=bestelbaas", ["query", "cursor"], "not a cursor"),
]


@pytest.mark.parametrize(("params", "location", "message"), INVALID_SEARCHES, ids=[c[0] for c in INVALID_SEARCHES])
def test_a_bad_search_parameter_is_a_422_naming_it(http, params, location, message):
    response = http.get(f"/search?{params}")
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == location
    assert message in error["msg"]


INVALID_REPORTS = [
    ("since=2025-01-01&until=2026-01-03", "at most 366 days"),  # 367 days
    ("since=400d", "at most 366 days"),
    ("since=2026-11-22&until=2026-11-01", "since must be before until"),
    ("since=vorige%20maand", "cannot read 'vorige maand' as a time"),
    ("sla=0", "greater than or equal to 1"),
]


@pytest.mark.parametrize(("params", "message"), INVALID_REPORTS, ids=[c[0] for c in INVALID_REPORTS])
def test_a_bad_report_window_is_a_422(http, params, message):
    response = http.get(f"/reports/bestelbaas?{params}")
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"][0]["msg"]


def test_an_unknown_monitor_is_a_404_listing_the_known_ones(http):
    known = [m.id for m in load_monitors(MONITORS_FILE.read_text(encoding="utf-8"), str(MONITORS_FILE))]
    response = http.get("/reports/kruidvat")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "'kruidvat'" in detail and all(ident in detail for ident in known)


def test_monitors_lists_the_ids_and_names_of_the_monitors_file(http):
    monitors = load_monitors(MONITORS_FILE.read_text(encoding="utf-8"), str(MONITORS_FILE))
    assert http.get("/monitors").json() == [{"id": m.id, "name": m.name} for m in monitors]


def test_health_is_503_when_the_engine_does_not_answer(http):
    response = http.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


CURSORS = [
    [1_795_000_000_000, "x:2116898288364662755"],
    [0, "forum.fietsforum:draad/één?p=2&x=ü"],  # URL characters and accents in a post_id
    [-1_000, "reviews.klantenoordeel:~~~>>>???"],  # bytes whose standard base64 has '+' and '/'
]


@pytest.mark.parametrize("values", CURSORS, ids=[c[1] for c in CURSORS])
def test_a_cursor_carries_its_sort_values_in_url_safe_characters(values):
    cursor = encode_cursor(values)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert decode_cursor(cursor) == values


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


NOT_CURSORS = [
    ("empty", ""),
    ("not base64", "!!!"),
    ("not JSON", _b64(b"bestelbaas")),
    ("not UTF-8", _b64(b"\xff\xfe")),
    ("an object", _b64(json.dumps({"published_at": 1, "post_id": "x:1"}).encode())),
    ("one value", _b64(json.dumps([1]).encode())),
    ("three values", _b64(json.dumps([1, "x:1", 2]).encode())),
    ("time as text", _b64(json.dumps(["2026-11-01", "x:1"]).encode())),
    ("time as boolean", _b64(json.dumps([True, "x:1"]).encode())),
    ("post_id as number", _b64(json.dumps([1, 2]).encode())),
]


@pytest.mark.parametrize("cursor", [c[1] for c in NOT_CURSORS], ids=[c[0] for c in NOT_CURSORS])
def test_anything_else_is_not_a_cursor(cursor):
    with pytest.raises(ValueError, match="not a cursor"):
        decode_cursor(cursor)


def test_the_openapi_document_describes_every_endpoint(http):
    document = http.get("/openapi.json").json()
    assert {path: set(ops) for path, ops in document["paths"].items()} == {
        "/health": {"get"}, "/monitors": {"get"}, "/search": {"get"}, "/reports/{monitor}": {"get"}}
    search = document["paths"]["/search"]["get"]
    parameters = {p["name"]: p for p in search["parameters"]}
    assert set(parameters) == {"q", "monitor", "since", "until", "sentiment", "intent", "source", "channel",
                               "priority", "lang", "size", "cursor"}
    assert all(parameters[name].get("description") for name in parameters)
    assert parameters["sentiment"]["schema"]["type"] == "array"  # repeatable
    assert parameters["size"]["schema"]["maximum"] == MAX_PAGE
    page = search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(document["components"]["schemas"][page]["properties"]) == {"total", "hits", "next_cursor"}
    assert {"400", "422"} <= set(search["responses"])
    assert "404" in document["paths"]["/reports/{monitor}"]["get"]["responses"]
    assert "503" in document["paths"]["/health"]["get"]["responses"]


def test_the_report_model_carries_every_figure_of_a_report_unchanged():
    # the response model mirrors Report.as_dict(): a figure added there and not here would be dropped
    report = Report(
        monitor="bestelbaas", name="Bestelbaas", since=datetime(2026, 11, 1, tzinfo=AMSTERDAM),
        until=datetime(2026, 11, 2, tzinfo=AMSTERDAM), mentions=3,
        per_day={"2026-11-01": {"channel": {"x": 2, "review": 1}, "sentiment": {"negative": 2}}},
        channels={"x": 2, "review": 1}, sentiment={"negative": 2}, intent={"complaint": 2, "question": 1},
        proactive=1, proactive_posts=[{"post_id": "x:1", "text": "Bestelbaas is weer te laat"}],
        top_authors=[("klant1", 2), ("klant2", 1)], most_engaged=[{"post_id": "x:1", "engagement": {"likes": 4}}],
        negative_topics=[("levering", 3)], share_of_voice={"bestelbaas": 3, "kooptoren": 5},
        response=Response(addressed=2, answered=1, within_sla=1, sla_minutes=60.0, median_minutes=12.5,
                          p90_minutes=12.5),
    )
    as_json = json.loads(json.dumps(report.as_dict()))
    assert MonitorReport.model_validate(report.as_dict()).model_dump(mode="json") == as_json


def test_the_cli_has_an_api_command_with_host_and_port():
    result = CliRunner().invoke(cli, ["api", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output


@pytest.mark.parametrize("path", ["/search?q=storing", "/reports/bestelbaas?since=7d"])
def test_search_and_reports_are_503_when_the_engine_does_not_answer(http, path):
    response = http.get(path)
    assert response.status_code == 503
    assert "unavailable" in response.json()["detail"]
