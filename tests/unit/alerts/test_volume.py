"""The volume-spike rule: its thresholds, its windows and its bounded state."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from pydantic import TypeAdapter

from processors.alerts import volume
from processors.alerts.volume import VolumeSpikeRule, VolumeState
from tests.unit.alerts.posts import NOW, post


def fill(rule: VolumeSpikeRule, state: VolumeState, counts: list[int], current) -> VolumeState:
    """``counts[k]`` posts in the k-th window before the one starting at ``current`` (k = 0: the one just before)."""
    length = timedelta(minutes=rule.window_minutes)
    for k, n in enumerate(counts):
        for i in range(n):
            state = volume.add(state, post(at=current - (k + 1) * length + timedelta(seconds=i)), rule)
    return state


CURRENT = datetime.fromisoformat("2026-11-20T09:30:00+01:00")  # on a boundary of 5-, 15- and 30-minute windows


@pytest.mark.parametrize(
    ("window_minutes", "baseline_windows", "factor", "min_count", "history"),
    [
        (15, 8, "3.0", 10, [4, 5, 3, 6, 4, 5, 5, 4]),   # 3 x 4.5 = 13.5: the baseline decides
        (15, 8, "3.0", 10, [1, 0, 2, 0, 1, 0, 0, 1]),   # 3 x 0.625: min_count decides
        (15, 4, "2.5", 3, [7, 7, 8, 7]),                # 2.5 x 7.25 = 18.125
        (5, 8, "2.0", 2, [16]),                         # missing windows count as 0: 2 x 2
        (30, 1, "1.1", 1, [50]),                        # 1.1 x 50 is 55 exactly (in floats more)
        (15, 8, "3.0", 10, []),                         # no history: min_count
    ],
)
def test_fires_exactly_at_the_threshold(window_minutes, baseline_windows, factor, min_count, history):
    rule = VolumeSpikeRule(id="drukte", window_minutes=window_minutes, baseline_windows=baseline_windows,
                           factor=float(factor), min_count=min_count)
    mean = Fraction(sum(history), baseline_windows)
    needed = max(min_count, math.ceil(Fraction(factor) * mean))
    state = fill(rule, {}, history, CURRENT)
    for i in range(needed - 1):
        state = volume.add(state, post(at=CURRENT + timedelta(seconds=i)), rule)
    assert volume.evaluate(rule, "bestelbaas", state, CURRENT, NOW) is None
    state = volume.add(state, post(at=CURRENT + timedelta(seconds=59)), rule)
    alert = volume.evaluate(rule, "bestelbaas", state, CURRENT, NOW)
    assert (alert.count, alert.baseline) == (needed, float(mean))
    assert (alert.window_start, alert.window_end) == (CURRENT, CURRENT + timedelta(minutes=window_minutes))
    assert alert.alert_id == "bestelbaas:drukte:2026-11-20T08:30:00+00:00"


def test_any_time_in_the_window_selects_it():
    rule = VolumeSpikeRule(id="drukte", min_count=2)
    state = {}
    for i in range(2):
        state = volume.add(state, post(at=CURRENT + timedelta(minutes=3 * i)), rule)
    first = volume.evaluate(rule, "bestelbaas", state, CURRENT, NOW)
    within = volume.evaluate(rule, "bestelbaas", state, CURRENT + timedelta(minutes=14, seconds=59), NOW)
    assert first == within
    assert volume.evaluate(rule, "bestelbaas", state, CURRENT + timedelta(minutes=15), NOW) is None


def test_evidence_is_the_most_reach_first_and_at_most_twenty():
    rule = VolumeSpikeRule(id="drukte", min_count=1)
    followers = [40, 7_000, 12, 7_000, 300] + list(range(100, 130))
    posts = [post(at=CURRENT + timedelta(seconds=i), followers=f) for i, f in enumerate(followers)]
    state = {}
    for p in posts:
        state = volume.add(state, p, rule)
    expected = [p.post_id for p in sorted(posts, key=lambda p: -p.author.followers)][:20]  # ties: earlier first
    assert volume.evaluate(rule, "bestelbaas", state, CURRENT, NOW).evidence == expected


def test_the_brands_own_posts_do_not_count():
    rule = VolumeSpikeRule(id="drukte")
    state = volume.add({}, post(owned=True, handle="bestelbaas"), rule)
    assert state == {}


def test_state_stays_bounded_and_late_posts_are_ignored():
    rule = VolumeSpikeRule(id="drukte", window_minutes=15, baseline_windows=8)
    length = timedelta(minutes=15)
    state = {}
    for step in range(300):
        state = volume.add(state, post(at=CURRENT + step * length / 3), rule)
        assert len(state) <= rule.baseline_windows + 1
    newest = max(state)
    assert min(state) == newest - 8 * length
    too_late = volume.add(state, post(at=newest - 9 * length), rule)
    assert too_late is state
    just_in_time = volume.add(state, post(at=newest - 8 * length), rule)
    assert just_in_time[newest - 8 * length].count == state[newest - 8 * length].count + 1
    assert state[newest - 8 * length].count == 3  # add returned a new state: the old one is unchanged


def test_the_state_survives_json_like_a_table_value():
    rule = VolumeSpikeRule(id="drukte", min_count=1)
    state = fill(rule, {}, [3, 0, 5], CURRENT)
    codec = TypeAdapter(VolumeState)
    assert codec.validate_json(codec.dump_json(state)) == state
