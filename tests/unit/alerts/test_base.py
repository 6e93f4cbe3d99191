"""Windows, alert ids and the merging of per-post firings, shared by every rule."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from processors.alerts import match
from processors.alerts.base import MAX_EVIDENCE, align
from processors.alerts.match import MatchRule
from tests.unit.alerts.posts import AT, NOW, post


@pytest.mark.parametrize(
    ("at", "minutes", "start"),
    [
        ("2026-11-20T09:15:00+01:00", 15, "2026-11-20T08:15:00+00:00"),   # on a boundary: its own window
        ("2026-11-20T09:29:59.999999+01:00", 15, "2026-11-20T08:15:00+00:00"),
        ("2026-11-20T09:30:00+01:00", 15, "2026-11-20T08:30:00+00:00"),
        ("2026-11-20T09:44:00+01:00", 30, "2026-11-20T08:30:00+00:00"),
        ("2026-11-20T00:10:00+01:00", 60, "2026-11-19T23:00:00+00:00"),   # Dutch midnight is the UTC day before
        ("2026-03-29T03:05:00+02:00", 5, "2026-03-29T01:05:00+00:00"),    # the night summer time starts
        ("2026-11-20T09:15:00+01:00", 1440, "2026-11-20T00:00:00+00:00"),
    ],
)
def test_windows_align_to_utc(at, minutes, start):
    assert align(datetime.fromisoformat(at), minutes).isoformat() == start


def test_windows_are_epoch_multiples_holding_the_time():
    rng = random.Random(7)
    for _ in range(2_000):
        minutes = rng.choice([1, 5, 7, 15, 30, 45, 60, 90, 1440])
        zone = timezone(timedelta(minutes=rng.randrange(-12 * 60, 14 * 60, 15)))
        at = datetime(2026, 1, 1, tzinfo=zone) + timedelta(seconds=rng.uniform(0, 400 * 86_400))
        start = align(at, minutes)
        assert start.utcoffset() == timedelta(0)
        assert start <= at < start + timedelta(minutes=minutes)
        assert start.timestamp() % (minutes * 60) == 0


RULE = MatchRule(id="datalek", query="datalek OR lek", severity="critical")


def test_alert_ids_are_deterministic():
    first = post(at=AT, text="Datalek bij @bestelbaas?")
    same_instant = post(at=AT.astimezone(timezone(timedelta(hours=-5))), text="Datalek bij @bestelbaas?")
    a = match.evaluate(RULE, "bestelbaas", first, NOW)
    b = match.evaluate(RULE, "bestelbaas", same_instant, NOW + timedelta(minutes=3))
    assert a.alert_id == b.alert_id == "bestelbaas:datalek:2026-11-20T08:15:00+00:00"
    assert a.alert_id == match.evaluate(RULE, "bestelbaas", first, NOW).alert_id


def test_merge_grows_one_alert_for_a_burst():
    posts = [post(at=AT + timedelta(seconds=10 * i), text=f"datalek nummer {i}") for i in range(MAX_EVIDENCE + 5)]
    alerts = [match.evaluate(RULE, "bestelbaas", p, NOW + timedelta(seconds=i)) for i, p in enumerate(posts)]
    merged = alerts[0]
    for later in alerts[1:]:
        merged = match.merge(RULE, "bestelbaas", merged, later)
    assert merged.count == len(posts)
    assert merged.evidence == [p.post_id for p in posts[:MAX_EVIDENCE]]
    assert merged.created_at == NOW                            # when the rule first fired
    assert merged.summary.startswith(f"{len(posts)} posts about bestelbaas")
    replayed = match.merge(RULE, "bestelbaas", merged, alerts[3])  # the same post again after a restart
    assert replayed.count == merged.count


def test_merge_refuses_different_windows():
    early = match.evaluate(RULE, "bestelbaas", post(at=AT, text="datalek"), NOW)
    late = match.evaluate(RULE, "bestelbaas", post(at=AT + timedelta(minutes=5), text="datalek"), NOW)
    with pytest.raises(ValueError, match="cannot merge"):
        match.merge(RULE, "bestelbaas", early, late)


def test_created_at_is_now_and_times_are_utc():
    alert = match.evaluate(RULE, "bestelbaas", post(text="datalek"), NOW)
    assert alert.created_at == NOW
    assert alert.window_start == datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    assert alert.window_end == datetime(2026, 11, 20, 8, 20, tzinfo=UTC)
