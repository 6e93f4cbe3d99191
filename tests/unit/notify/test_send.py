"""Sending one alert to one destination: what each response means, the waits, and no URL in any log.

``deliver`` runs against the fake Slack of tests/fakes (a real HTTP server on localhost); the waits are
recorded by an injected sleep that still sleeps, so retries happen for real but stay short.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import structlog
from pydantic import SecretStr

from crawlers.retry_after import parse_retry_after
from pipeline.notify.send import (
    Delivered,
    Destination,
    Refused,
    Retry,
    deliver,
    judge,
    request,
)
from pipeline.notify.slack import alert_message
from pipeline.notify.webhook import verify, webhook_body
from tests.fakes.fake_slack import FakeSlack
from tests.unit.notify.test_slack import make_alert, make_post

NOW = datetime(2026, 11, 3, 13, 15, 5, tzinfo=UTC)
NOW_TS = 1_793_711_705  # NOW as Unix seconds
SECRET = "webhook-geheim-4242"
REPORT_URL = "https://luister.example/report?monitor=bestelbaas"
SLACK_PATH = "/services/T0LUISTER/B0ALERTS/x7Kq2vLb9WmT4nPz"  # the last part is the hook's secret
ALERT = make_alert(posts=[
    make_post(1, text="Datalek bij @bestelbaas? <!channel> kijk!", author={"handle": "anja_nl"}),
    make_post(2, sentiment=None, intent=None, post_id="forum.prikbord:t2", channel="forum", author=None),
])

JUDGED = [
    # (why, status, response headers, response body, outcome)
    ("ok", 200, {}, "ok", Delivered(200)),
    ("accepted, no content", 204, {}, "", Delivered(204)),
    ("rate limited for 30 s", 429, {"Retry-After": "30"}, "rate_limited", Retry(30.0)),
    ("header name in lower case", 429, {"retry-after": "2"}, "", Retry(2.0)),
    ("rate limited until a date", 429, {"Retry-After": "Tue, 03 Nov 2026 13:16:05 GMT"}, "", Retry(60.0)),
    ("rate limited, no Retry-After", 429, {}, "rate_limited", Retry(None)),
    ("rate limited, unreadable Retry-After", 429, {"Retry-After": "straks"}, "", Retry(None)),
    ("request timeout", 408, {}, "", Retry(None)),
    ("too early", 425, {}, "", Retry(None)),
    ("Slack's rollup_error", 500, {}, "rollup_error", Retry(None)),
    ("bad gateway", 502, {}, "<html>bad gateway</html>", Retry(None)),
    ("unavailable, Retry-After honoured too", 503, {"Retry-After": "120"}, "", Retry(120.0)),
    ("unparsable JSON", 400, {}, "invalid_payload", Refused("400 invalid_payload")),
    ("a Block Kit limit broken", 400, {}, "invalid_blocks", Refused("400 invalid_blocks")),
    ("neither text nor blocks", 400, {}, "no_text", Refused("400 no_text")),
    ("workspace forbids the hook", 403, {}, "action_prohibited", Refused("403 action_prohibited")),
    ("revoked hook", 404, {}, "no_service", Refused("404 no_service")),
    ("channel deleted", 404, {}, "channel_not_found", Refused("404 channel_not_found")),
    ("channel archived", 410, {}, "channel_is_archived", Refused("410 channel_is_archived")),
    ("receiver without a body", 401, {}, "", Refused("401")),
    ("redirect, never followed", 301, {"Location": "https://elders.example/"}, "", Refused("301")),
    ("an error page is cut to 200 characters", 400, {}, "<html>" + "x" * 1_000, Refused("400 <html>" + "x" * 194)),
    ("no line breaks or escapes in a reason", 400, {}, "invalid\r\nnep logregel\x1b[31m",
     Refused("400 invalid nep logregel[31m")),
]


@pytest.mark.parametrize(("why", "status", "headers", "body", "outcome"), JUDGED, ids=[j[0] for j in JUDGED])
def test_judge(why, status, headers, body, outcome):
    assert judge(status, headers, body, NOW) == outcome


RETRY_AFTER = [
    # (why, header value, seconds from NOW)
    ("delta-seconds", "120", 120.0),
    ("spaces around", " 5 ", 5.0),
    ("zero", "0", 0.0),
    ("IMF-fixdate", "Tue, 03 Nov 2026 13:15:35 GMT", 30.0),
    ("obsolete RFC 850 date", "Tuesday, 03-Nov-26 13:15:35 GMT", 30.0),
    ("obsolete asctime date, GMT by definition", "Tue Nov  3 13:15:35 2026", 30.0),
    ("a date in the past", "Tue, 03 Nov 2026 13:00:00 GMT", 0.0),
    ("a fraction is no delta-seconds", "1.5", None),
    ("negative", "-3", None),
    ("a superscript digit", "²", None),
    ("words", "over een minuut", None),
    ("empty", "", None),
    ("absent", None, None),
]


@pytest.mark.parametrize(("why", "value", "seconds"), RETRY_AFTER, ids=[r[0] for r in RETRY_AFTER])
def test_retry_after(why, value, seconds):
    assert parse_retry_after(value, NOW) == seconds


DESTINATION_ERRORS = [
    # (why, kind, secret)
    ("a webhook must be signed", "webhook", None),
    ("Slack takes no secret", "slack", SecretStr(SECRET)),
    ("an unknown kind", "email", None),
]


@pytest.mark.parametrize(("why", "kind", "secret"), DESTINATION_ERRORS, ids=[d[0] for d in DESTINATION_ERRORS])
def test_a_destination_that_cannot_work_is_refused_at_once(why, kind, secret):
    with pytest.raises(ValueError, match="destination 'd'"):
        Destination("d", kind, SecretStr("https://hooks.example/services/T1/B1/geheim"), secret)


def test_a_destination_never_shows_its_url_or_secret():
    destination = Destination("webhook-1", "webhook", SecretStr("https://ontvanger.example/geheim-pad"),
                              SecretStr(SECRET))
    assert "geheim" not in repr(destination) and "geheim" not in str(destination)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def slack_at(fake: FakeSlack) -> Destination:
    return Destination("slack", "slack", SecretStr(fake.url(SLACK_PATH)))


def webhook_at(fake: FakeSlack) -> Destination:
    return Destination("webhook-1", "webhook", SecretStr(fake.url("/hooks/ontvanger")), SecretStr(SECRET))


def alert_request(destination: Destination, clock: Callable[[], datetime] = lambda: NOW,
                  ) -> Callable[[], tuple[bytes, Mapping[str, str]]]:
    def make() -> tuple[bytes, Mapping[str, str]]:
        return request(destination, ALERT, monitor_name="Bestelbaas", report_url=REPORT_URL, now=clock())

    return make


class Sleeps:
    """An injected sleep that records each wait, really waits it (unless ``real`` is False), and can run
    something before waking."""

    def __init__(self, before: Callable[[int], None] = lambda _n: None, real: bool = True) -> None:
        self.waits: list[float] = []
        self._before = before
        self._real = real

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self._before(len(self.waits))
        await asyncio.sleep(seconds if self._real else 0)


def run_deliver(destination: Destination, make_request: Any, sleep: Callable[[float], Awaitable[None]],
                **options: Any) -> Delivered | Refused:
    async def go() -> Delivered | Refused:
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
            return await deliver(client, destination, make_request, initial_s=0.01, max_s=0.04, sleep=sleep,
                                 **options)

    return asyncio.run(go())


def test_delivered_at_the_first_attempt_with_the_exact_message(fake):
    destination = slack_at(fake)
    sleeps = Sleeps()

    outcome = run_deliver(destination, alert_request(destination), sleeps)

    assert outcome == Delivered(200)
    assert sleeps.waits == []
    [received] = fake.requests()
    assert received.json == alert_message(ALERT, monitor_name="Bestelbaas", report_url=REPORT_URL)
    assert received.headers["Content-Type"].startswith("application/json")


def test_a_429_waits_for_its_retry_after(fake):
    fake.fail_next(429, retry_after=1)
    destination = slack_at(fake)
    sleeps = Sleeps()

    outcome = run_deliver(destination, alert_request(destination), sleeps)

    assert outcome == Delivered(200)
    assert sleeps.waits == [1.0]
    first, second = fake.received
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0
    assert second.body == first.body


def test_a_retry_after_date_is_read_against_the_clock_and_a_long_one_is_capped(fake):
    fake.fail_next(429, retry_after="Tue, 03 Nov 2026 13:15:06 GMT")  # NOW + 1 s
    fake.fail_next(429, retry_after=86_400)
    destination = slack_at(fake)
    sleeps = Sleeps(real=False)

    outcome = run_deliver(destination, alert_request(destination), sleeps, clock=lambda: NOW)

    assert outcome == Delivered(200)
    assert sleeps.waits == [1.0, 15 * 60.0]


def test_5xx_backs_off_doubling_up_to_the_cap(fake):
    fake.fail_next(503, times=4)
    destination = slack_at(fake)
    sleeps = Sleeps()

    outcome = run_deliver(destination, alert_request(destination), sleeps)

    assert outcome == Delivered(200)
    assert sleeps.waits == [0.01, 0.02, 0.04, 0.04]
    assert [r.status for r in fake.received] == [503, 503, 503, 503, 200]


def test_a_message_slack_refuses_is_refused_with_the_reason_and_not_retried(fake):
    destination = slack_at(fake)
    too_long = b'{"text":"x","blocks":[{"type":"header","text":{"type":"plain_text","text":"' + b"x" * 151 + b'"}}]}'
    sleeps = Sleeps()

    outcome = run_deliver(destination, lambda: (too_long, {"Content-Type": "application/json"}), sleeps)

    assert outcome == Refused("400 invalid_blocks")
    assert sleeps.waits == []
    assert [r.status for r in fake.received] == [400]


def test_slack_down_then_up_is_delivered_once(fake):
    fake.down()
    destination = slack_at(fake)
    sleeps = Sleeps(before=lambda n: fake.up() if n == 2 else None)

    outcome = run_deliver(destination, alert_request(destination), sleeps)

    assert outcome == Delivered(200)
    assert sleeps.waits == [0.01, 0.02]  # two refused connections, then up
    assert [r.status for r in fake.received] == [200]


def test_the_webhook_request_is_signed_afresh_at_each_attempt(fake):
    fake.fail_next(503)
    destination = webhook_at(fake)
    times = iter([NOW, NOW + timedelta(seconds=20)])

    outcome = run_deliver(destination, alert_request(destination, clock=lambda: next(times)), Sleeps())

    assert outcome == Delivered(200)
    first, second = fake.received
    assert first.path == second.path == "/hooks/ontvanger"
    assert second.body == first.body == webhook_body(ALERT)
    assert first.headers["X-Luister-Signature"].startswith(f"t={NOW_TS},")
    assert second.headers["X-Luister-Signature"].startswith(f"t={NOW_TS + 20},")
    assert verify(second.body, second.headers["X-Luister-Signature"], SECRET, NOW + timedelta(seconds=20))
    assert second.headers["X-Luister-Alert-Id"] == "bestelbaas:datalek:2026-11-03T13:00:00+00:00"


@pytest.mark.parametrize("url", ["ftp://hooks.example/services/T1/B1/geheim", "hooks.example/services/T1/B1/geheim"])
def test_a_url_that_is_not_http_is_refused_without_retrying(url):
    sleeps = Sleeps()
    destination = Destination("slack", "slack", SecretStr(url))

    outcome = run_deliver(destination, alert_request(destination), sleeps)

    assert outcome == Refused("the destination's URL is not an http(s) URL")
    assert sleeps.waits == []


def test_no_part_of_the_url_reaches_any_log_or_reason(fake, caplog):
    caplog.set_level(logging.DEBUG)  # everything the standard library loggers (httpx's included) would print
    destination = slack_at(fake)
    fake.down()
    fake.fail_next(503)
    fake.fail_next(429, retry_after=0)
    fake.fail_next(404, body=f"no hook at {fake.url(SLACK_PATH)} ({SLACK_PATH})")
    sleeps = Sleeps(before=lambda n: fake.up() if n == 1 else None)
    filters_before = list(logging.getLogger("httpx").filters)

    with structlog.testing.capture_logs() as events:
        outcome = run_deliver(destination, alert_request(destination), sleeps)

    assert outcome == Refused("404 no hook at *** (***)")
    assert [(e["event"], e["status"]) for e in events] == [
        ("alert_delivery_retry", "no_response"), ("alert_delivery_retry", 503), ("alert_delivery_retry", 429),
        ("alert_delivery_refused", 404)]
    assert {e["destination"] for e in events} == {"slack"}
    assert 'HTTP Request: POST *** "HTTP/1.0 503' in caplog.text  # httpx's own line, there and hidden
    assert logging.getLogger("httpx").filters == filters_before  # other code's request lines stay as they were
    logged = caplog.text + repr(events) + outcome.reason
    secrets = ["T0LUISTER", "B0ALERTS", "x7Kq2vLb9WmT4nPz"]
    assert [secret for secret in secrets if secret in logged] == []
