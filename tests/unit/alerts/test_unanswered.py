"""The unanswered rule: which posts wait, which replies answer them, and when a wait becomes an alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from processors.alerts import unanswered
from processors.alerts.unanswered import UnansweredRule, UnansweredState
from tests.unit.alerts.posts import AT, post

OWNED = ["bestelbaas", "@Bestelbaas_Helpt"]  # as a monitors file may spell them
RULE = UnansweredRule(id="wachten", sla_minutes=60)


@pytest.mark.parametrize(
    ("intent", "addressed", "waits"),
    [
        ("question", ["bestelbaas"], True),
        ("complaint", ["BESTELBAAS_HELPT"], True),            # handles compare case-insensitively
        ("compliment", ["bestelbaas"], False),               # not an intent of the rule
        ("other", ["bestelbaas"], False),
        (None, ["bestelbaas"], False),                       # unclassified: the intent is unknown
        ("complaint", [], False),                            # about the brand, not to it
        ("complaint", ["kooptoren"], False),
    ],
)
def test_which_customer_posts_wait(intent, addressed, waits):
    customer = post(intent=intent, addressed=addressed)
    state = unanswered.observe({}, customer, OWNED, RULE)
    assert state == ({customer.post_id: customer.published_at} if waits else {})


def test_a_reply_from_an_owned_account_answers():
    waiting = post(intent="question")
    other = post(intent="complaint")
    state = unanswered.observe(unanswered.observe({}, waiting, OWNED, RULE), other, OWNED, RULE)
    reply = post(handle="Bestelbaas_Helpt", owned=True, in_reply_to=waiting.post_id, intent="other",
                 at=AT + timedelta(minutes=12))
    answered = unanswered.observe(state, reply, OWNED, RULE)
    assert answered == {other.post_id: other.published_at}
    assert waiting.post_id in state  # observe returns a new state


def test_a_customer_reply_or_a_reply_elsewhere_answers_nothing():
    waiting = post(intent="question")
    state = unanswered.observe({}, waiting, OWNED, RULE)
    fellow_customer = post(in_reply_to=waiting.post_id, intent="other", addressed=[])
    assert unanswered.observe(state, fellow_customer, OWNED, RULE) == state
    brand_elsewhere = post(handle="bestelbaas", owned=True, in_reply_to="x:elders", intent="other")
    assert unanswered.observe(state, brand_elsewhere, OWNED, RULE) is state


def test_the_brands_own_post_to_itself_does_not_wait():
    own = post(handle="bestelbaas", owned=True, intent="question", addressed=["bestelbaas_helpt"])
    assert unanswered.observe({}, own, OWNED, RULE) == {}


@pytest.mark.parametrize("sla_minutes", [1, 60, 240])
def test_due_only_after_the_sla(sla_minutes):
    rule = UnansweredRule(id="wachten", sla_minutes=sla_minutes)
    waiting = post(intent="question")
    state = unanswered.observe({}, waiting, OWNED, rule)
    deadline = waiting.published_at + timedelta(minutes=sla_minutes)
    assert unanswered.due(rule, "bestelbaas", state, deadline) == ([], state)   # exactly the SLA: still in time
    alerts, left = unanswered.due(rule, "bestelbaas", state, deadline + timedelta(microseconds=1))
    [alert] = alerts
    assert left == {}
    assert (alert.count, alert.evidence, alert.baseline) == (1, [waiting.post_id], None)
    assert alert.window_start == datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    assert alert.window_end == alert.window_start + timedelta(minutes=sla_minutes)
    assert alert.alert_id == "bestelbaas:wachten:2026-11-20T08:15:00+00:00"


def test_each_post_alerts_once_and_the_state_shrinks():
    early, late = post(intent="question", at=AT), post(intent="complaint", at=AT + timedelta(minutes=20))
    state: UnansweredState = {}
    for p in (early, late):
        state = unanswered.observe(state, p, OWNED, RULE)
    first, state = unanswered.due(RULE, "bestelbaas", state, AT + timedelta(minutes=70))
    assert [a.evidence for a in first] == [[early.post_id]]
    assert unanswered.due(RULE, "bestelbaas", state, AT + timedelta(minutes=75))[0] == []
    second, state = unanswered.due(RULE, "bestelbaas", state, AT + timedelta(minutes=90))
    assert [a.evidence for a in second] == [[late.post_id]]
    assert state == {}


def test_posts_of_one_instant_share_one_alert():
    same = [post(intent="question", at=AT) for _ in range(3)]
    other = post(intent="question", at=AT + timedelta(seconds=1))
    state: UnansweredState = {}
    for p in (*same, other):
        state = unanswered.observe(state, p, OWNED, RULE)
    alerts, _ = unanswered.due(RULE, "bestelbaas", state, AT + timedelta(hours=2))
    assert [(a.count, a.evidence) for a in alerts] == [
        (3, sorted(p.post_id for p in same)), (1, [other.post_id])]
    assert len({a.alert_id for a in alerts}) == 2
    assert alerts[0].summary == "3 posts to bestelbaas's own accounts have waited more than 60 minutes for a reply " \
                                "(rule wachten)."
