"""The webhook receiver over real HTTP on loopback (aiohttp's TestServer), with an in-memory publisher.

Golden payloads and the RawPosts they must become live in tests/fixtures/webhook/:
`<name>.json` (the body a sender posts, self-written) and `<name>.expected.jsonl`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from kafka.errors import KafkaTimeoutError
from pydantic import SecretStr
from typer.testing import CliRunner

from crawlers.connectors.webhook import STATS, make_webhook_app, sign
from crawlers.connectors.webhook_events import map_chat, map_meta
from crawlers.publish import PublishReport
from pipeline.cli import app as cli
from pipeline.settings import WebhookSettings
from tests.unit.crawlers.test_connectors import MemoryPublisher

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "webhook"
APP_SECRET = "meta-app-geheim-3141"
VERIFY_TOKEN = "verifieer-mij-2718"
CHAT_SECRET = "praatpaal-geheim-1618"
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def config(**changes: Any) -> WebhookSettings:
    secrets = {
        "meta_app_secret": SecretStr(APP_SECRET),
        "meta_verify_token": SecretStr(VERIFY_TOKEN),
        "chat_secret": SecretStr(CHAT_SECRET),
    }
    return WebhookSettings(**{**secrets, **changes})


def payload(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def expected(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / f"{name}.expected.jsonl").read_text().splitlines() if line]


def meta_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, body)}


def chat_headers(body: bytes, at: datetime = NOW, secret: str = CHAT_SECRET) -> dict[str, str]:
    timestamp = str(int(at.timestamp()))
    return {
        "Content-Type": "application/json",
        "X-Luister-Timestamp": timestamp,
        "X-Luister-Signature": sign(secret, body, timestamp),
    }


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def send(app: web.Application, *requests: tuple[str, str, dict]) -> list[Reply]:
    """Serve `app` on a loopback port and make the requests (method, path, aiohttp kwargs) in order."""

    async def scenario() -> list[Reply]:
        replies = []
        async with TestClient(TestServer(app)) as client:
            for method, path, kwargs in requests:
                response = await client.request(method, path, **kwargs)
                replies.append(Reply(response.status, await response.text()))
        return replies

    return asyncio.run(scenario())


def receiver(publisher: MemoryPublisher | None = None, **changes: Any) -> tuple[web.Application, MemoryPublisher]:
    publisher = publisher or MemoryPublisher()
    return make_webhook_app(config(**changes), publisher, clock=lambda: NOW), publisher


def post_meta(body: bytes, headers: dict[str, str] | None = None) -> tuple[str, str, dict]:
    return "POST", "/webhooks/meta", {"data": body, "headers": meta_headers(body) if headers is None else headers}


def chat_request(body: bytes, headers: dict[str, str]) -> tuple[str, str, dict]:
    return "POST", "/webhooks/chat/praatpaal", {"data": body, "headers": headers}


# ---------------------------------------------------------------- Meta handshake


def test_handshake_answers_the_challenge() -> None:
    app, _ = receiver()
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    [reply] = send(app, ("GET", "/webhooks/meta", {"params": params}))
    assert (reply.status, reply.text) == (200, "1158201444")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "raden-maar", "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
    ],
    ids=["wrong-token", "no-token", "wrong-mode", "no-challenge"],
)
def test_handshake_is_denied(params: dict[str, str]) -> None:
    app, _ = receiver()
    [reply] = send(app, ("GET", "/webhooks/meta", {"params": params}))
    assert reply.status == 403 and "1158201444" not in reply.text
    assert app[STATS]["bad_signature"] == 1


# ---------------------------------------------------------------- golden payloads


@pytest.mark.parametrize(
    ("name", "path", "counts"),
    [
        ("whatsapp", "/webhooks/meta", {"published": 4, "ignored": 2, "bad_payload": 1}),
        ("messenger", "/webhooks/meta", {"published": 4, "ignored": 4, "bad_payload": 0}),
        ("chat", "/webhooks/chat/praatpaal", {"published": 2, "ignored": 0, "bad_payload": 0}),
    ],
)
def test_signed_delivery_publishes_exactly_the_golden_posts(name: str, path: str, counts: dict[str, int]) -> None:
    app, publisher = receiver()
    body = payload(name)
    headers = chat_headers(body) if name == "chat" else meta_headers(body)
    [reply] = send(app, ("POST", path, {"data": body, "headers": headers}))
    assert (reply.status, reply.json()) == (200, counts)
    assert [json.loads(p.to_bytes()) for p in publisher.posts] == expected(name)
    assert {k: v for k, v in app[STATS].items() if v} == {k: v for k, v in counts.items() if v}


def test_statuses_only_are_ignored_and_publish_nothing() -> None:
    app, publisher = receiver()
    [reply] = send(app, post_meta(payload("whatsapp_statuses")))
    assert (reply.status, reply.json()) == (200, {"published": 0, "ignored": 2, "bad_payload": 0})
    assert publisher.posts == [] and publisher.report == PublishReport()


def test_an_object_we_do_not_map_is_counted_not_fatal() -> None:
    app, publisher = receiver()
    entry = {"id": "17841400000000000", "time": 1795598410, "messaging": []}
    body = json.dumps({"object": "instagram", "entry": [entry]})
    [reply] = send(app, post_meta(body.encode()))
    assert (reply.status, reply.json()) == (200, {"published": 0, "ignored": 0, "bad_payload": 1})
    assert publisher.posts == []


def test_a_redelivery_publishes_the_same_post_ids_again() -> None:
    app, publisher = receiver()
    send(app, post_meta(payload("whatsapp")), post_meta(payload("whatsapp")))
    ids = [p["post_id"] for p in expected("whatsapp")]
    assert [p.post_id for p in publisher.posts] == ids + ids


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": sign("een-ander-geheim", payload("whatsapp"))},
        {"X-Hub-Signature-256": sign(APP_SECRET, payload("messenger"))},
        {"X-Hub-Signature-256": sign(APP_SECRET, payload("whatsapp")).replace("sha256=", "sha1=")},
        {"X-Hub-Signature-256": "sha256="},
    ],
    ids=["missing", "wrong-secret", "other-body", "wrong-scheme", "empty"],
)
def test_bad_signature_is_401_and_publishes_nothing(headers: dict[str, str]) -> None:
    app, publisher = receiver()
    with structlog.testing.capture_logs() as logs:
        [reply] = send(app, post_meta(payload("whatsapp"), headers))
    assert (reply.status, reply.json()["outcome"]) == (401, "bad_signature")
    assert publisher.posts == [] and publisher.report == PublishReport()
    assert dict(app[STATS]) == {"bad_signature": 1}
    assert APP_SECRET not in repr(logs) and APP_SECRET not in reply.text


def test_a_tampered_body_is_401() -> None:
    app, publisher = receiver()
    body = payload("whatsapp")
    tampered = body.replace(b"Waar blijft mijn pakket?", b"Waar blijft mijn paket??")
    [reply] = send(app, post_meta(tampered, meta_headers(body)))
    assert reply.status == 401 and publisher.posts == []


def test_publish_failure_is_503_so_meta_retries() -> None:
    app, publisher = receiver(MemoryPublisher(fail=True))
    [reply] = send(app, post_meta(payload("whatsapp")))
    assert (reply.status, reply.json()["outcome"]) == (503, "publish_failed")
    assert app[STATS]["publish_failed"] == 4 and app[STATS]["published"] == 0


class TimingOutPublisher(MemoryPublisher):
    def flush(self, timeout_s: float | None = 60.0) -> PublishReport:
        raise KafkaTimeoutError(f"Failed to flush buffered records within {timeout_s} secs")


def test_kafka_timeout_is_503_with_the_configured_wait() -> None:
    app, _ = receiver(TimingOutPublisher(), publish_timeout_s=2.5)
    with structlog.testing.capture_logs() as logs:
        [reply] = send(app, chat_request(payload("chat"), chat_headers(payload("chat"))))
    assert reply.status == 503
    assert any("within 2.5 secs" in str(entry.get("error")) for entry in logs)


def test_oversize_body_is_413() -> None:
    app, publisher = receiver(max_body_bytes=1024)
    body = json.dumps({"object": "page", "entry": [{"id": "104821379552011", "opvulling": "x" * 2000}]}).encode()
    [reply] = send(app, post_meta(body))
    assert (reply.status, reply.json()["outcome"]) == (413, "bad_payload")
    assert publisher.posts == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"object": "page", "entry": [', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b'["whatsapp_business_account"]', "not a meta delivery"),
        (b'{"object": "page", "entry": {"id": "104821379552011"}}', "not a meta delivery"),
        (b'{"object": "page", "entry": [{"id": "104821379552011", "messaging": "hallo"}]}', "not a meta delivery"),
    ],
    ids=["truncated", "not-utf8", "too-deep", "a-list", "entry-not-a-list", "messaging-not-a-list"],
)
def test_bad_json_is_400_with_a_clear_message(body: bytes, message: str) -> None:
    app, publisher = receiver()
    [reply] = send(app, post_meta(body))
    assert (reply.status, reply.json()["outcome"]) == (400, "bad_payload")
    assert message in reply.json()["error"]
    assert publisher.posts == []


@pytest.mark.parametrize(
    "shift", [timedelta(minutes=-5, seconds=-1), timedelta(hours=-2), timedelta(minutes=5, seconds=1)],
    ids=["just-too-old", "old", "from-the-future"],
)
def test_chat_timestamp_outside_five_minutes_is_401(shift: timedelta) -> None:
    app, publisher = receiver()
    body = payload("chat")
    [reply] = send(app, chat_request(body, chat_headers(body, at=NOW + shift)))
    assert (reply.status, reply.json()["outcome"]) == (401, "bad_signature")
    assert "replay" in reply.json()["error"] and publisher.posts == []


def test_chat_timestamp_within_five_minutes_is_accepted() -> None:
    app, publisher = receiver()
    body = payload("chat")
    [reply] = send(app, chat_request(body, chat_headers(body, at=NOW - timedelta(minutes=4, seconds=59))))
    assert reply.status == 200 and len(publisher.posts) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"X-Luister-Timestamp": str(int(NOW.timestamp()) + 1)},  # a replay with a fresh timestamp
        {"X-Luister-Signature": sign(APP_SECRET, payload("chat"), str(int(NOW.timestamp())))},
        {"X-Luister-Timestamp": "gisteren"},
        {"X-Luister-Timestamp": "\u0661\u0667\u0669\u0665"},  # Arabic-Indic digits: isdigit() but not ASCII
    ],
    ids=["timestamp-not-signed", "wrong-secret", "not-a-number", "non-ascii-digits"],
)
def test_chat_bad_signature_is_401(change: dict[str, str]) -> None:
    app, publisher = receiver()
    body = payload("chat")
    [reply] = send(app, chat_request(body, {**chat_headers(body), **change}))
    assert reply.status == 401 and publisher.posts == []


# ---------------------------------------------------------------- configuration


def test_routes_without_secrets_do_not_exist() -> None:
    app, _ = receiver(meta_verify_token=None, chat_secret=None)
    body = payload("chat")
    replies = send(
        app,
        ("GET", "/webhooks/meta", {"params": {"hub.mode": "subscribe", "hub.challenge": "1"}}),
        post_meta(payload("whatsapp")),
        chat_request(body, chat_headers(body)),
        ("GET", "/healthz", {}),
    )
    assert [r.status for r in replies] == [404, 404, 404, 200]


def test_a_vendor_name_outside_the_source_pattern_is_404() -> None:
    app, _ = receiver()
    body = payload("chat")
    [reply] = send(app, ("POST", "/webhooks/chat/Praat.Paal", {"data": body, "headers": chat_headers(body)}))
    assert reply.status == 404


def test_secrets_never_reach_the_logs() -> None:
    app, _ = receiver()
    params = {"hub.mode": "subscribe", "hub.verify_token": "raden-maar", "hub.challenge": "7"}
    with structlog.testing.capture_logs() as logs:
        send(
            app,
            ("GET", "/webhooks/meta", {"params": params}),
            post_meta(payload("whatsapp")),
            chat_request(payload("chat"), chat_headers(payload("chat"), secret="fout")),
        )
    assert logs and not any(s in repr(logs) for s in (APP_SECRET, VERIFY_TOKEN, CHAT_SECRET))
    assert APP_SECRET not in repr(config()) and CHAT_SECRET not in str(config().model_dump(mode="json"))


def test_serve_has_help() -> None:
    result = CliRunner().invoke(cli, ["webhook", "serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "posts.raw" in result.output


# ---------------------------------------------------------------- mapping, event by event

WA_MESSAGE = {"from": "31612345678", "id": "wamid.TEST1", "timestamp": "1795597923", "type": "text",
              "text": {"body": "Waar blijft mijn pakket?"}}
FB_EVENT = {"sender": {"id": "6843120957742381"}, "recipient": {"id": "104821379552011"},
            "timestamp": 1795597923512, "message": {"mid": "m_TEST1", "text": "Inloggen lukt niet."}}


def whatsapp_delivery(message: dict, **value: Any) -> dict:
    value = {
        "metadata": {"display_phone_number": "31201234567", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Anja Jansen"}, "wa_id": "31612345678"}],
        **value,
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [change]}]}


def messenger_delivery(event: dict) -> dict:
    return {"object": "page", "entry": [{"id": "104821379552011", "time": 1795598410000, "messaging": [event]}]}


@pytest.mark.parametrize(
    ("delivery", "outcome"),
    [
        (whatsapp_delivery(WA_MESSAGE), "published"),
        (whatsapp_delivery({**WA_MESSAGE, "timestamp": "gisteren"}), "bad_payload unmappable"),
        (whatsapp_delivery({**WA_MESSAGE, "from": None}), "bad_payload unmappable"),
        (whatsapp_delivery({**WA_MESSAGE, "text": {"body": 42}}), "bad_payload unmappable"),
        (whatsapp_delivery(WA_MESSAGE, metadata=None), "bad_payload unmappable"),
        (whatsapp_delivery(WA_MESSAGE, contacts=[{"profile": "Anja", "wa_id": "31612345678"}]),
         "bad_payload unmappable"),
        (whatsapp_delivery({**WA_MESSAGE, "type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}),
         "ignored no_text"),
        (whatsapp_delivery({**WA_MESSAGE, "type": "location", "location": {"latitude": 52.09, "longitude": 5.12}}),
         "ignored no_text"),
        (whatsapp_delivery({**WA_MESSAGE, "type": "audio", "audio": {"id": "1", "mime_type": "audio/ogg"}}),
         "ignored no_text"),
        (whatsapp_delivery({**WA_MESSAGE, "type": "interactive",
                            "interactive": {"type": "list_reply", "list_reply": {"id": "r1", "title": "Factuur"}}}),
         "published"),
        (whatsapp_delivery({**WA_MESSAGE, "type": "button", "button": {"payload": "JA", "text": "Ja graag"}}),
         "published"),
        (messenger_delivery(FB_EVENT), "published"),
        (messenger_delivery({**FB_EVENT, "sender": None}), "bad_payload unmappable"),
        (messenger_delivery({**FB_EVENT, "timestamp": "gisteren"}), "bad_payload unmappable"),
        (messenger_delivery({**FB_EVENT, "message": {"mid": "m_TEST1", "text": ["Inloggen"]}}),
         "bad_payload unmappable"),
        (messenger_delivery({k: v for k, v in FB_EVENT.items() if k != "message"} | {"reaction": "love"}),
         "bad_payload unmappable"),
        (messenger_delivery({k: v for k, v in FB_EVENT.items() if k != "message"} | {"optin": {"ref": "x"}}),
         "ignored other_event"),
        (messenger_delivery({k: v for k, v in FB_EVENT.items() if k != "message"} | {"postback": {"payload": "X"}}),
         "ignored other_event"),
    ],
)
def test_one_event_maps_or_is_skipped_with_a_reason(delivery: dict, outcome: str) -> None:
    mapped = map_meta(delivery, NOW)
    got = [*(["published"] * len(mapped.posts)), *(f"{s.outcome} {s.kind}" for s in mapped.skipped)]
    assert got == [outcome]


CHAT_MESSAGE = {"id": "c-1", "conversation_id": "g-1", "author": {"id": "b-1"}, "text": "Hallo?",
                "sent_at": "2026-11-25T10:00:00+01:00"}


@pytest.mark.parametrize(
    "message",
    [
        {k: v for k, v in CHAT_MESSAGE.items() if k != "id"},
        {**CHAT_MESSAGE, "sent_at": "2026-11-25T10:00"},
        {**CHAT_MESSAGE, "sent_at": 1795597923},
        {**CHAT_MESSAGE, "author": "b-1"},
        {k: v for k, v in CHAT_MESSAGE.items() if k != "text"},
        {**CHAT_MESSAGE, "in_reply_to": ""},
    ],
    ids=["no-id", "no-time-zone", "epoch-number", "author-not-object", "no-text", "empty-reply-id"],
)
def test_a_chat_message_without_what_the_shape_requires_is_bad_payload(message: dict) -> None:
    mapped = map_chat("praatpaal", [message], NOW)
    assert mapped.posts == [] and [f"{s.outcome} {s.kind}" for s in mapped.skipped] == ["bad_payload unmappable"]


def test_the_base_chat_message_of_that_table_maps() -> None:
    [post] = map_chat("praatpaal", CHAT_MESSAGE, NOW).posts
    assert (post.post_id, post.addressed, post.in_reply_to) == ("chat.praatpaal:c-1", [], None)
