"""Facebook and Instagram (Meta Graph API): error codes, usage headers, watermark rounds, nested paging.

The golden runs are in test_connectors.py; this file covers what is special to Graph.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import structlog
from pydantic import SecretStr

from crawlers.connectors import build_connector
from crawlers.connectors.base import FetchError, Status
from crawlers.connectors.graph import read_rate_limit
from crawlers.connectors.instagram import mentions
from tests.fixtures.connectors.fake_api import FakeApi, load_api
from tests.unit.crawlers.test_connectors import Run, expected_posts

NOW = 1_795_000_000.0  # a fixed clock for rate-limit arithmetic
PAGE_TOKEN = "EAAG-geheim-paginatoken-0042"
FB_POST_A = "120674832030288_7051000000000001"
FB_POST_B = "120674832030288_7032000000000003"


def graph_error(code: int, subcode: int | None = None, message: str = "(#4) Application request limit reached") -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC12dEfGh3"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def business_usage(percent: int, regain_min: int) -> dict[str, str]:
    entry = {"type": "pages", "call_count": percent, "total_cputime": 12, "total_time": 9,
             "estimated_time_to_regain_access": regain_min}
    return {"x-business-use-case-usage": json.dumps({"120674832030288": [entry]})}


def response(api: FakeApi, path: str, after: str | None = None) -> dict:
    """The scripted response body for `path` (and `after`), to edit in place for a later round."""
    return next(r for r in api.responses if r["path"] == path and r["match"].get("after") == after)["body"]


@pytest.mark.parametrize(
    ("name", "status", "body", "expected", "reason"),
    [
        ("facebook", 400, graph_error(4), Status.RATE_LIMITED, "Graph error 4"),
        ("facebook", 400, graph_error(17), Status.RATE_LIMITED, "Graph error 17"),
        ("facebook", 403, graph_error(32), Status.RATE_LIMITED, "Graph error 32"),  # a 403 that is no auth problem
        ("facebook", 400, graph_error(613), Status.RATE_LIMITED, "Graph error 613"),
        ("facebook", 400, graph_error(80001), Status.RATE_LIMITED, "Graph error 80001"),
        ("instagram", 400, graph_error(80002), Status.RATE_LIMITED, "Graph error 80002"),
        ("facebook", 400, graph_error(190, 463, "Error validating access token: Session has expired"),
         Status.AUTH_ERROR, "Graph error 190/463"),
        ("instagram", 400, graph_error(190, 460), Status.AUTH_ERROR, "Graph error 190/460"),
        ("facebook", 403, graph_error(10, message="(#10) Requires pages_read_engagement permission"),
         Status.AUTH_ERROR, "Graph error 10"),
        ("instagram", 400, graph_error(200), Status.AUTH_ERROR, "Graph error 200"),
        ("facebook", 400, graph_error(100, 33, "Unsupported get request"), Status.HTTP_ERROR, "Graph error 100/33"),
        ("facebook", 400, {"fout": "geen Graph-fout"}, Status.HTTP_ERROR, "400 on"),
        ("facebook", 403, None, Status.AUTH_ERROR, "403 on"),
    ],
)
def test_graph_error_codes_decide_the_status(
    name: str, status: int, body: dict | None, expected: Status, reason: str, tmp_path: Path
) -> None:
    with FakeApi(load_api(name)["responses"]) as api:
        run = Run(name, api, tmp_path)
        api.inject(status, body=body) if body is not None else api.inject(status, raw="Forbidden")
        summary, publisher = run.once()
    assert summary.last_status is expected
    assert reason in summary.last_error
    assert "access token" not in summary.last_error and "AbC12dEfGh3" not in summary.last_error  # codes only
    assert len(api.requests) == 1 and run.sleeps == []  # neither throttling nor a dead token is retried at once
    assert publisher.posts == [] and run.store.load() is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, (None, None)),
        ({"x-app-usage": '{"call_count": 28, "total_time": 25, "total_cputime": 31}'}, (69, None)),
        ({**business_usage(100, 0)}, (0, None)),  # exhausted, no estimate: the next request tells
        ({**business_usage(96, 5)}, (0, NOW + 300)),  # estimated_time_to_regain_access is in minutes
        ({"x-app-usage": '{"call_count": 12}', **business_usage(40, 0)}, (60, None)),  # the tightest quota counts
        ({"x-app-usage": "geen json", "x-business-use-case-usage": '{"1": "geen lijst"}'}, (None, None)),
    ],
)
def test_read_rate_limit(headers: dict[str, str], expected: tuple) -> None:
    assert read_rate_limit(httpx.Headers(headers), NOW) == expected


def test_throttling_is_honoured_before_the_next_request(tmp_path: Path) -> None:
    with FakeApi(load_api("facebook")["responses"]) as api:
        run = Run("facebook", api, tmp_path)
        connector = build_connector(run.settings, "facebook", run.script["query"], sleep=run.sleeps.append,
                                    clock=lambda: NOW, now=run.now)
        api.inject(400, headers=business_usage(100, 5), body=graph_error(80001))
        with pytest.raises(FetchError) as caught:
            connector.fetch_page(None)
        assert caught.value.status is Status.RATE_LIMITED and run.sleeps == []

        connector.fetch_page(None)  # the next round waits out Graph's estimate first
        assert run.sleeps == [300.0]

        # a successful answer that says the quota is spent for an hour (past max_rate_limit_wait_s):
        # the request after it is not sent, and the round ends instead of blocking
        api.inject(200, headers=business_usage(100, 60), body={"id": "120674832030288", "username": "bestelbaas"})
        sent = len(api.requests)
        with pytest.raises(FetchError) as caught:
            connector.fetch_page(None)
        assert len(api.requests) == sent + 1
        assert caught.value.status is Status.RATE_LIMITED and run.sleeps == [300.0]
        connector.close()


def test_facebook_watermark_round_adds_only_new_comments(tmp_path: Path) -> None:
    with FakeApi(load_api("facebook")["responses"]) as api:
        run = Run("facebook", api, tmp_path)
        run.once()
        feed = response(api, "/v21.0/120674832030288/feed")
        old_feed = response(api, "/v21.0/120674832030288/feed", "QVFIUmZlZWRfcGFnMg")
        post_a, post_b = feed["data"][0], old_feed["data"][0]
        new_reply = {**copy.deepcopy(post_a["comments"]["data"][1]), "id": "7051000000000001_1209000000000009",
                     "created_time": "2026-11-21T11:58:00+0000", "parent": {"id": "7051000000000001_1209000000000004"},
                     "message": "Nog steeds niks gehoord, en nu?"}
        post_a["comments"]["data"].insert(0, new_reply)
        new_comment = {**copy.deepcopy(post_b["comments"]["data"][0]), "id": "7032000000000003_1203000000000007",
                       "created_time": "2026-11-21T09:15:00+0000",
                       "message": "Kan ik de bon ook in de winkel gebruiken?"}
        post_b["comments"]["data"].insert(0, new_comment)  # a new comment under a post from 11 days ago
        before = len(api.requests)
        summary, publisher = run.once()
    assert [p.post_id for p in publisher.posts] == [
        "facebook:7051000000000001_1209000000000009",
        "facebook:7032000000000003_1203000000000007",
    ]
    assert publisher.posts[0].in_reply_to == "facebook:7051000000000001_1209000000000004"
    assert publisher.posts[1].in_reply_to == f"facebook:{FB_POST_B}"
    assert summary.pages == 3 and summary.last_status is Status.OK
    later = [r.path for r in api.requests[before:]]
    assert f"/v21.0/{FB_POST_A}/comments" not in later  # comments come newest first: paging stops at the watermark
    assert "/v21.0/120674832030288" not in later  # the page's handle is remembered in the cursor
    assert run.store.load().cursor["watermark"] == "2026-11-21T11:58:00+00:00"


def test_instagram_watermark_round_adds_only_new_replies(tmp_path: Path) -> None:
    with FakeApi(load_api("instagram")["responses"]) as api:
        run = Run("instagram", api, tmp_path)
        run.once()
        media = response(api, "/v21.0/17841405309211844/media")
        thread = media["data"][0]["comments"]["data"][1]  # a comment without replies so far
        thread["replies"] = {"data": [{"id": "17890000000000031", "text": "@dennis_vlogt bij ons ook, echt balen",
                                       "timestamp": "2026-11-21T10:00:00+0000", "username": "ruben.renkum",
                                       "from": {"id": "17841400000000107", "username": "ruben.renkum"},
                                       "like_count": 0}]}
        summary, publisher = run.once()
    assert [(p.post_id, p.in_reply_to, p.addressed) for p in publisher.posts] == [
        ("instagram:17890000000000031", "instagram:17890000000000013", ["dennis_vlogt", "golfnl"])
    ]
    assert summary.last_status is Status.OK


def test_a_failure_inside_a_posts_comments_fails_the_whole_feed_page(tmp_path: Path) -> None:
    script = load_api("facebook")
    with FakeApi(script["responses"]) as api:
        run = Run("facebook", api, tmp_path)
        api.responses = [r for r in script["responses"] if not r["path"].endswith("/comments")]
        summary, publisher = run.once()  # the second page of post A's comments is a 404
        assert summary.last_status is Status.HTTP_ERROR and summary.pages == 0
        assert publisher.posts == [] and run.store.load() is None  # nothing of the feed page, no cursor

        api.responses = [r for r in script["responses"] if not r["path"].endswith("/tagged")]
        summary, first = run.once()  # both feed pages, then the tagged page fails
        assert summary.last_status is Status.HTTP_ERROR and summary.pages == 2
        assert run.store.load().cursor["phase"] == "tagged"

        api.responses = script["responses"]
        summary, second = run.once()  # resumes at the tagged page
        assert summary.pages == 1 and api.requests[-1].path.endswith("/tagged")
    assert [p.post_id for p in first.posts + second.posts] == [p["post_id"] for p in expected_posts("facebook")]


@pytest.mark.parametrize(("name", "field"), [("facebook", "facebook_page_token"), ("instagram", "instagram_token")])
def test_token_is_a_bearer_header_never_a_url_parameter(name: str, field: str, tmp_path: Path) -> None:
    with FakeApi(load_api(name)["responses"]) as api, structlog.testing.capture_logs() as logs:
        run = Run(name, api, tmp_path, **{field: SecretStr(PAGE_TOKEN)})
        api.inject(400, body=graph_error(190, 463))
        failed, _ = run.once()
        summary, _ = run.once()
    assert summary.last_status is Status.OK
    assert {r.headers["authorization"] for r in api.requests} == {f"Bearer {PAGE_TOKEN}"}
    assert not [r for r in api.requests if "access_token" in r.params or PAGE_TOKEN in json.dumps(r.params)]
    assert PAGE_TOKEN not in repr(logs) + repr(failed) + repr(summary)


@pytest.mark.parametrize("name", ["facebook", "instagram"])
def test_without_an_account_id_nothing_is_requested(name: str, tmp_path: Path) -> None:
    with FakeApi(load_api(name)["responses"]) as api:
        run = Run(name, api, tmp_path)
        connector = build_connector(run.settings, name, now=run.now)  # no id in settings, none passed
        with pytest.raises(FetchError) as caught:
            connector.fetch_page(None)
        connector.close()
    assert caught.value.status is Status.AUTH_ERROR and api.requests == []


@pytest.mark.parametrize(
    ("cursor", "expected_since"),
    [
        (None, datetime(2026, 11, 7, 12, tzinfo=UTC)),  # 14 days of posts, though comments only from 7 days back
        ({"watermark": "2026-10-01T08:00:00+00:00", "seen": "", "handle": "bestelbaas"},
         datetime(2026, 10, 1, 8, tzinfo=UTC)),  # down for weeks: every post since the watermark
    ],
)
def test_the_feed_is_listed_since_the_comment_window_or_an_older_watermark(
    cursor: dict | None, expected_since: datetime, tmp_path: Path
) -> None:
    with FakeApi(load_api("facebook")["responses"]) as api:
        run = Run("facebook", api, tmp_path)
        connector = build_connector(run.settings, "facebook", run.script["query"], now=run.now)
        page = connector.fetch_page(cursor)
        connector.close()
    feed = next(r for r in api.requests if r.path.endswith("/feed"))
    assert feed.params["since"] == str(int(expected_since.timestamp()))
    assert page.cursor["since"] == feed.params["since"]  # kept for the round's later pages


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("@golfhelpt bij ons geen internet", ["golfhelpt"]),
        ("Glasvezel van @golfnl. Top! cc @golfhelpt @golfnl", ["golfnl", "golfhelpt"]),
        ("mail naar klantenservice@golf.nl", []),
        ("@oma.truus haha", ["oma.truus"]),
    ],
)
def test_instagram_mentions(text: str, handles: list[str]) -> None:
    assert mentions(text) == handles
