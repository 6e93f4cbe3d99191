"""The YouTube connector's own behaviour: error reasons, the watermark round, the API key in the query.

The golden run and the restart are covered for every connector in test_connectors.py;
error bodies below are in the Data API's wire format (`error.errors[].reason`).
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import pytest
import structlog
from pydantic import SecretStr

from crawlers.connectors.base import Status
from crawlers.connectors.youtube import author_handle, read_error
from tests.fixtures.connectors.fake_api import FakeApi, load_api
from tests.unit.crawlers.test_connectors import Run, expected_posts

KEY = "AIzaSyB-geheimeYouTubeSleutel0042xyz"


def google_error(code: int, reason: str, message: str, domain: str = "global", **extra: object) -> dict:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            **extra,
        }
    }


QUOTA = google_error(
    403,
    "quotaExceeded",
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">'
    "quota</a>.",
    "youtube.quota",
)
KEY_NOT_VALID = google_error(
    400,
    "badRequest",
    "API key not valid. Please pass a valid API key.",
    status="INVALID_ARGUMENT",
    details=[
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "youtube.googleapis.com"},
        }
    ],
)


@pytest.mark.parametrize(
    ("code", "body", "status", "detail"),
    [
        (403, QUOTA, Status.RATE_LIMITED, "403 quotaExceeded"),
        (403, google_error(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"), Status.RATE_LIMITED,
         "403 rateLimitExceeded"),
        (403, google_error(403, "forbidden", "The request is missing a valid API key.", status="PERMISSION_DENIED"),
         Status.AUTH_ERROR, "403 forbidden"),
        (400, google_error(400, "keyInvalid", "Bad Request", "usageLimits"), Status.AUTH_ERROR, "400 keyInvalid"),
        (400, KEY_NOT_VALID, Status.AUTH_ERROR, "400 API_KEY_INVALID"),
        (404, google_error(404, "channelNotFound", "The channel identified by the <code>allThreadsRelatedToChannelId"
                           "</code> parameter could not be found.", "youtube.commentThread"),
         Status.HTTP_ERROR, "404 channelNotFound: no channel with this id (set connectors.youtube_channel_id)"),
        (400, google_error(400, "processingFailure", "The API server failed to process the request.",
                           "youtube.commentThread"), Status.HTTP_ERROR, "400 on"),
    ],
)
def test_an_error_reason_decides_how_the_round_ends(
    tmp_path: Path, code: int, body: dict, status: Status, detail: str
) -> None:
    with FakeApi(load_api("youtube")["responses"]) as api:
        run = Run("youtube", api, tmp_path, youtube_api_key=SecretStr(KEY))
        api.inject(code, body=body)
        summary, publisher = run.once()
    assert summary.last_status is status
    assert summary.last_error is not None and summary.last_error.startswith(detail)
    assert len(api.requests) == 1 and run.sleeps == []  # a spent quota is not hammered; the next poll tries again
    assert publisher.posts == [] and run.store.load() is None


@pytest.mark.parametrize(
    ("code", "body", "expected"),
    [
        (403, {"error": {"code": 403, "message": "Forbidden"}}, None),  # no reason: the HTTP layer's default
        (500, None, None),
        (403, google_error(403, "commentsDisabled", "Comments are disabled."), (Status.HTTP_ERROR, "commentsDisabled")),
        (403, "geen json-object", None),
    ],
)
def test_read_error_leaves_the_rest_to_the_http_layer(code: int, body: object, expected: object) -> None:
    assert read_error(code, body) == expected


def test_a_quota_error_mid_run_resumes_at_the_saved_page_token(tmp_path: Path) -> None:
    with FakeApi(load_api("youtube")["responses"]) as api:
        run = Run("youtube", api, tmp_path)
        first_page = api.responses[0]
        api.inject(200, first_page["headers"], first_page["body"])
        api.inject(403, body=QUOTA)
        summary, publisher = run.once()
        assert (summary.last_status, summary.pages) == (Status.RATE_LIMITED, 1)
        token = first_page["body"]["nextPageToken"]
        assert run.store.load().cursor["page"] == token

        summary, publisher2 = run.once()
    assert summary.last_status is Status.OK
    assert api.requests[2].params["pageToken"] == token
    ids = [p.post_id for p in publisher.posts + publisher2.posts]
    assert ids == [p["post_id"] for p in expected_posts("youtube")]
    assert run.sleeps == []


def test_an_incremental_round_walks_down_to_the_watermark_only(tmp_path: Path) -> None:
    script = load_api("youtube")
    with FakeApi(script["responses"]) as api:
        run = Run("youtube", api, tmp_path)
        run.once()
        assert run.store.load().cursor == {"watermark": "2026-11-21T10:42:17.000000Z",
                                           "seen": "UgxA9kQm2ZbT7rLw1Pn4AaABAg"}
        page = copy.deepcopy(script["responses"][0]["body"])
        newest, second_older = page["items"][0], page["items"][1]  # already published last round
        fresh = copy.deepcopy(newest)
        fresh["id"] = fresh["snippet"]["topLevelComment"]["id"] = "UgyNi3uw3Dr4adJe5Km4AaABAg"
        text = "Pakket nu wel binnen, top!"
        fresh["snippet"]["topLevelComment"]["snippet"].update(
            publishedAt="2026-11-21T11:58:00Z", textDisplay=text, textOriginal=text
        )
        fresh.pop("replies")
        fresh["snippet"]["totalReplyCount"] = 0
        same_second = copy.deepcopy(fresh)  # started in the watermark's second, after last round read it
        same_second["id"] = same_second["snippet"]["topLevelComment"]["id"] = "UgzZelf4deSec0nde7Tq4AaABAg"
        same_second["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = "2026-11-21T10:42:17Z"
        page["items"] = [fresh, newest, same_second, second_older]
        api.inject(200, body=page)  # still has a nextPageToken: the walk must stop at the watermark anyway
        requests_before = len(api.requests)
        _, publisher = run.once()
        assert len(api.requests) == requests_before + 1
        assert [p.post_id for p in publisher.posts] == [
            "youtube:UgyNi3uw3Dr4adJe5Km4AaABAg",
            "youtube:UgzZelf4deSec0nde7Tq4AaABAg",
        ]
        assert run.store.load().cursor == {"watermark": "2026-11-21T11:58:00.000000Z",
                                           "seen": "UgyNi3uw3Dr4adJe5Km4AaABAg"}


def test_the_api_key_goes_in_the_query_and_never_into_logs_or_summaries(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx logs each request line, query string included, at INFO
    with FakeApi(load_api("youtube")["responses"]) as api, structlog.testing.capture_logs() as logs:
        run = Run("youtube", api, tmp_path, youtube_api_key=SecretStr(KEY))
        api.inject(503, body=google_error(503, "backendError", "Backend Error"))
        summary, publisher = run.once()
        api.inject(403, body=QUOTA)
        failed, _ = run.once()
    assert api.requests[0].params["key"] == KEY and "authorization" not in api.requests[0].headers
    assert summary.last_status is Status.OK and run.sleeps == [1.0]  # the 503 was retried
    assert failed.last_status is Status.RATE_LIMITED
    assert "HTTP Request: GET" in caplog.text and "key=***" in caplog.text  # the line was logged, redacted
    for text in (caplog.text, repr(logs), repr(summary), repr(failed), repr(run.store.load())):
        assert KEY not in text
    assert not any(KEY in p.model_dump_json() for p in publisher.posts)


def test_the_redaction_ends_with_the_client(tmp_path: Path) -> None:
    httpx_log = logging.getLogger("httpx")
    before = list(httpx_log.filters)
    with FakeApi(load_api("youtube")["responses"]) as api:
        Run("youtube", api, tmp_path, youtube_api_key=SecretStr(KEY)).once()
    assert httpx_log.filters == before


@pytest.mark.parametrize(
    ("snippet", "handle"),
    [
        ({"authorChannelUrl": "http://www.youtube.com/@annevandijk", "authorDisplayName": "@annevandijk"},
         "annevandijk"),
        ({"authorChannelUrl": "http://www.youtube.com/@j%C3%BCrgen.nl", "authorDisplayName": "Jürgen"}, "jürgen.nl"),
        ({"authorChannelUrl": "http://www.youtube.com/channel/UCk0ffieLeut9Rb2Yv5Nd1Xe",
          "authorDisplayName": "Kees Koffie"}, None),
        ({"authorDisplayName": "@golfhelpt"}, "golfhelpt"),
        ({}, None),
    ],
)
def test_author_handles(snippet: dict, handle: str | None) -> None:
    assert author_handle(snippet) == handle
