"""Webhook bodies and their signatures: the exact body, the signature scheme, and what a receiver refuses.

The expected body is written out by hand; signatures are recomputed here with hmac from the scheme's definition.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from pipeline.notify.webhook import headers, sign, verify, webhook_body
from processors.alerts.base import snapshot
from schemas import EnrichedPost
from tests.helpers import raw_post_dict
from tests.unit.notify.test_slack import make_alert, make_post

SECRET = "webhook-geheim-4242"
NOW = datetime(2026, 11, 3, 13, 15, 5, tzinfo=UTC)
NOW_TS = 1_793_711_705  # NOW as Unix seconds


def test_exact_body_for_a_representative_alert():
    posts = [
        make_post(1, text="Datalek bij @bestelbaas? Mijn wachtwoord werkt niet meer 😡",
                  url="https://x.example/anja/status/1", published_at="2026-11-03T14:02:00+01:00",
                  author={"handle": "anja_nl", "display_name": "Anja", "followers": 310}),
        make_post(2, sentiment=None, intent=None, post_id="forum.prikbord:t2", channel="forum", url=None,
                  text="Iemand anders ook een mail gekregen?", author=None),
    ]

    body = webhook_body(make_alert(posts=posts))

    # keys in the schemas' field order, so the exact bytes follow from this dict
    expected = {
        "alert": {
            "schema_version": 1,
            "alert_id": "bestelbaas:datalek:2026-11-03T13:00:00+00:00",
            "monitor_id": "bestelbaas",
            "rule_id": "datalek",
            "rule_type": "match",
            "severity": "critical",
            "window_start": "2026-11-03T13:00:00Z",
            "window_end": "2026-11-03T13:15:00Z",
            "summary": "3 berichten over een datalek bij Bestelbaas in 15 minuten",
            "count": 3,
            "baseline": 0.4,
            "evidence": ["x:t1", "forum.prikbord:t2"],
            "created_at": "2026-11-03T13:15:02Z",
        },
        "posts": [
            {"post_id": "x:t1", "url": "https://x.example/anja/status/1", "channel": "x",
             "author": {"id": None, "handle": "anja_nl", "display_name": "Anja", "followers": 310},
             "published_at": "2026-11-03T14:02:00+01:00",
             "text": "Datalek bij @bestelbaas? Mijn wachtwoord werkt niet meer 😡",
             "sentiment": "negative", "intent": "complaint"},
            {"post_id": "forum.prikbord:t2", "url": None, "channel": "forum", "author": None,
             "published_at": "2026-11-20T09:15:00+01:00", "text": "Iemand anders ook een mail gekregen?",
             "sentiment": None, "intent": None},
        ],
    }
    assert body == json.dumps(expected, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_the_body_carries_the_posts_as_the_alerts_worker_cut_them():
    enriched = [EnrichedPost(**raw_post_dict(n, text="Waar blijft mijn pakket? " * 400), monitors=["bestelbaas"],
                             enriched_at=NOW, stages=["validate"]) for n in range(20)]

    posts = json.loads(webhook_body(make_alert(posts=[snapshot(post) for post in enriched])))["posts"]

    assert [post["post_id"] for post in posts] == [f"x:t{n}" for n in range(20)]
    assert {post["text"] for post in posts} == {("Waar blijft mijn pakket? " * 400)[:499] + "…"}


def test_an_alert_never_carries_more_than_20_posts():
    with pytest.raises(ValidationError):
        make_alert(posts=[make_post(n) for n in range(21)])


def test_the_same_alert_gives_the_same_bytes():
    assert webhook_body(make_alert(posts=[make_post(1)])) == webhook_body(make_alert(posts=[make_post(1)]))


def test_headers_sign_the_body_with_the_time():
    body = webhook_body(make_alert(posts=[make_post(1)]))
    expected = hmac.new(SECRET.encode(), f"{NOW_TS}.".encode() + body, hashlib.sha256).hexdigest()

    assert headers(body, SECRET, NOW) == {
        "Content-Type": "application/json",
        "X-Luister-Signature": f"t={NOW_TS},v1={expected}",
        "X-Luister-Alert-Id": "bestelbaas:datalek:2026-11-03T13:00:00+00:00",
    }
    assert sign(body, SECRET, NOW_TS) == expected


def test_the_alert_id_header_is_ascii_without_line_breaks():
    body = webhook_body(make_alert(alert_id="café:storing\r\nX-Evil: 1"))
    assert headers(body, SECRET, NOW)["X-Luister-Alert-Id"] == "caf%C3%A9:storing%0D%0AX-Evil:%201"


def test_round_trip_within_the_tolerance():
    body = webhook_body(make_alert(posts=[make_post(1)]))
    signature = headers(body, SECRET, NOW)["X-Luister-Signature"]

    assert verify(body, signature, SECRET, NOW)
    assert verify(body, signature, SECRET, NOW + timedelta(seconds=300))
    assert verify(body, signature, SECRET, NOW - timedelta(seconds=300))  # the receiver's clock behind


def test_a_rotated_secret_is_accepted_among_several_signatures():
    body = webhook_body(make_alert())
    header = f"t={NOW_TS},v1={sign(body, 'oud-geheim', NOW_TS)},v1={sign(body, SECRET, NOW_TS)}"
    assert verify(body, header, SECRET, NOW)


BODY = webhook_body(make_alert(posts=[make_post(1)]))
SIGNED = headers(BODY, SECRET, NOW)["X-Luister-Signature"]
REFUSED = [
    # (why, body, header, secret, now)
    ("tampered body", BODY.replace(b'"count":3', b'"count":4'), SIGNED, SECRET, NOW),
    ("one byte added", BODY + b" ", SIGNED, SECRET, NOW),
    ("wrong secret", BODY, SIGNED, "ander-geheim", NOW),
    ("replayed after the tolerance", BODY, SIGNED, SECRET, NOW + timedelta(seconds=301)),
    ("timestamp from the future", BODY, SIGNED, SECRET, NOW - timedelta(seconds=301)),
    ("timestamp changed", BODY, SIGNED.replace(f"t={NOW_TS}", f"t={NOW_TS + 1}"), SECRET, NOW),
    ("no signature", BODY, f"t={NOW_TS}", SECRET, NOW),
    ("no timestamp", BODY, SIGNED.split(",")[1], SECRET, NOW),
    ("two timestamps", BODY, f"t={NOW_TS - 1},{SIGNED}", SECRET, NOW),
    ("timestamp not a number", BODY, SIGNED.replace(f"t={NOW_TS}", "t=nu"), SECRET, NOW),
    ("empty header", BODY, "", SECRET, NOW),
    ("garbage", BODY, "sha256=deadbeef", SECRET, NOW),
    ("non-ASCII signature", BODY, f"t={NOW_TS},v1=é", SECRET, NOW),
]


@pytest.mark.parametrize(("why", "body", "header", "secret", "now"), REFUSED, ids=[r[0] for r in REFUSED])
def test_verify_refuses(why, body, header, secret, now):
    assert not verify(body, header, secret, now)
