"""The fake Slack answers as Slack's incoming webhooks document, so tests against it prove something."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.fake_slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def post(url: str, **options: Any) -> httpx.Response:
    """A POST straight to the fake: never through a proxy the environment may name."""
    return httpx.post(url, trust_env=False, timeout=5.0, **options)


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def section(text: str, fields: int = 0) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if fields:
        block["fields"] = [{"type": "mrkdwn", "text": f"veld {n}"} for n in range(fields)]
    return block


def as_json(message: Any) -> bytes:
    return json.dumps(message).encode()


HOOK = "/services/T0LUISTER/B0ALERTS/x7Kq2vLb9WmT4nPz"
JSON = "application/json"
MESSAGES = [
    # (why, content type, body, status, Slack's answer)
    ("text only", JSON, as_json({"text": "Storing bij Bestelbaas"}), 200, "ok"),
    ("blocks only", JSON, as_json({"blocks": [section("Storing")]}), 200, "ok"),
    ("charset in the content type", JSON + "; charset=utf-8", as_json({"text": "é"}), 200, "ok"),
    ("header of exactly 150", JSON, as_json({"blocks": [header("h" * 150)]}), 200, "ok"),
    ("not JSON", JSON, b"{text: kapot", 400, "invalid_payload"),
    ("not UTF-8", JSON, b'{"text": "\xff"}', 400, "invalid_payload"),
    ("form-encoded", "application/x-www-form-urlencoded", b"text=hallo", 400, "invalid_payload"),
    ("JSON but no object", JSON, as_json(["hallo"]), 400, "invalid_payload"),
    ("no text, no blocks", JSON, as_json({"unfurl_links": False}), 400, "no_text"),
    ("empty text", JSON, as_json({"text": ""}), 400, "no_text"),
    ("header of 151", JSON, as_json({"text": "x", "blocks": [header("h" * 151)]}), 400, "invalid_blocks"),
    ("header of 76 emoji: 152 UTF-16 units", JSON, as_json({"text": "x", "blocks": [header("😡" * 76)]}), 400,
     "invalid_blocks"),
    ("section text of 3,001", JSON, as_json({"text": "x", "blocks": [section("s" * 3_001)]}), 400, "invalid_blocks"),
    ("11 fields", JSON, as_json({"text": "x", "blocks": [section("s", fields=11)]}), 400, "invalid_blocks"),
    ("10 fields", JSON, as_json({"text": "x", "blocks": [section("s", fields=10)]}), 200, "ok"),
    ("51 blocks", JSON, as_json({"text": "x", "blocks": [section("s")] * 51}), 400, "invalid_blocks"),
    ("50 blocks", JSON, as_json({"text": "x", "blocks": [section("s")] * 50}), 200, "ok"),
    ("11 context elements", JSON,
     as_json({"text": "x", "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}]}),
     400, "invalid_blocks"),
]


@pytest.mark.parametrize(("why", "content_type", "body", "status", "answer"), MESSAGES, ids=[m[0] for m in MESSAGES])
def test_messages_are_judged_like_slack(fake, why, content_type, body, status, answer):
    response = post(fake.url(HOOK), content=body, headers={"Content-Type": content_type})

    assert (response.status_code, response.text) == (status, answer)
    assert [r.status for r in fake.received] == [status]
    assert [r.json for r in fake.requests()] == ([json.loads(body)] if status == 200 else [])


@pytest.mark.parametrize("path", ["/services/T0LUISTER/B0ALERTS", "/services/T1/B1/geheim/meer", "/", "/hooks/"])
def test_a_path_that_is_no_hook_is_no_service(fake, path):
    response = post(fake.url(path), json={"text": "x"})
    assert (response.status_code, response.text) == (404, "no_service")


def test_a_generic_hook_takes_any_body_and_keeps_it_raw(fake):
    post(fake.url(HOOK), json={"text": "x"})
    response = post(fake.url("/hooks/ontvanger"), content=b"niet eens JSON", headers={"X-Proef": "1"})

    assert (response.status_code, response.text) == (200, "ok")
    [received] = fake.wait_for(1, prefix="/hooks/")
    assert (received.path, received.body, received.headers["x-proef"]) == ("/hooks/ontvanger", b"niet eens JSON", "1")


def test_forced_answers_come_in_order_with_slack_bodies_then_judging_resumes(fake):
    fake.fail_next(429, retry_after=2)
    fake.fail_next(403)
    fake.fail_next(410)
    fake.fail_next(503, times=2)

    answers = [post(fake.url(HOOK), json={"text": "x"}) for _ in range(6)]

    assert [(r.status_code, r.text) for r in answers] == [
        (429, "rate_limited"), (403, "action_prohibited"), (410, "channel_is_archived"),
        (503, "Service Unavailable"), (503, "Service Unavailable"), (200, "ok")]
    assert answers[0].headers["Retry-After"] == "2"
    assert "Retry-After" not in answers[1].headers


def test_down_refuses_connections_and_up_listens_on_the_same_port(fake):
    url = fake.url(HOOK)
    fake.down()
    with pytest.raises(httpx.ConnectError):
        post(url, json={"text": "x"})

    fake.up()

    assert fake.url(HOOK) == url
    assert post(url, json={"text": "x"}).status_code == 200


def test_wait_for_says_what_arrived_when_it_times_out(fake):
    fake.fail_next(503)
    post(fake.url(HOOK), json={"text": "x"})

    with pytest.raises(TimeoutError, match=r"statuses so far: \[503\]"):
        fake.wait_for(1, timeout=0.05)
