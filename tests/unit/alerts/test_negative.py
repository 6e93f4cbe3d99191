"""The negative-spike rule: count and share thresholds against a pooled baseline share."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import pytest

from processors.alerts import negative
from processors.alerts.negative import NegativeSpikeRule, NegativeState
from tests.unit.alerts.posts import NOW, post

CURRENT = datetime.fromisoformat("2026-11-20T09:30:00+01:00")  # 08:30 UTC, a 30-minute boundary


def window(rule: NegativeSpikeRule, state: NegativeState, start: datetime, negatives: int, others: int,
           unclassified: int = 0) -> NegativeState:
    """``negatives`` negative, ``others`` neutral and ``unclassified`` unclassified posts in the window at ``start``."""
    labels = ["negative"] * negatives + ["neutral"] * others + [None] * unclassified
    for i, label in enumerate(labels):
        state = negative.add(state, post(at=start + timedelta(seconds=i), sentiment=label), rule)
    return state


def smallest_firing(min_share: str, factor: str, min_count: int, history: list[tuple[int, int]],
                    classified: int) -> int:
    """The fewest negatives among ``classified`` posts that fire, by the rule as the brief states it, with the
    thresholds as the decimals written."""
    base_neg = sum(n for n, _ in history)
    base_all = sum(n + o for n, o in history)
    usual = Fraction(base_neg, base_all) if base_all else Fraction(0)
    threshold = max(Fraction(min_share), Fraction(factor) * usual)
    return next(k for k in range(min_count, classified + 1) if Fraction(k, classified) >= threshold)


@pytest.mark.parametrize(
    ("min_share", "factor", "min_count", "history", "classified"),
    [
        ("0.5", "2.0", 8, [(2, 18), (2, 18)], 20),            # min_share decides: 10 of 20
        ("0.5", "2.0", 8, [(9, 21)], 20),                     # 2 x 30% = 60%: 12 of 20
        ("0.5", "2.0", 8, [], 10),                            # min_count decides: 8 of 10
        ("0.1", "1.0", 1, [], 10),                            # 1 of 10 is 0.1 exactly (the float 0.1 is more)
        ("0.1", "1.1", 2, [(1, 2)], 30),                      # 1.1 x 1/3 is 11/30 exactly (in floats more)
        ("0.2", "1.5", 2, [(1, 4), (0, 0), (3, 12)], 40),     # pooled 4/20, an empty window between: 12 of 40
    ],
)
def test_fires_exactly_at_the_thresholds(min_share, factor, min_count, history, classified):
    rule = NegativeSpikeRule(id="boos", window_minutes=30, min_share=float(min_share), factor=float(factor),
                             min_count=min_count)
    needed = smallest_firing(min_share, factor, min_count, history, classified)
    state: NegativeState = {}
    for k, (negatives, others) in enumerate(history):
        state = window(rule, state, CURRENT - (k + 1) * timedelta(minutes=30), negatives, others)
    below = window(rule, state, CURRENT, needed - 1, classified - needed + 1, unclassified=7)
    assert negative.evaluate(rule, "bestelbaas", below, CURRENT, NOW) is None
    at = window(rule, state, CURRENT, needed, classified - needed, unclassified=7)
    alert = negative.evaluate(rule, "bestelbaas", at, CURRENT, NOW)
    assert alert.count == needed
    base_all = sum(n + o for n, o in history)
    expected_baseline = Fraction(sum(n for n, _ in history), base_all) * classified if base_all else 0
    assert alert.baseline == pytest.approx(float(expected_baseline))
    assert alert.alert_id == "bestelbaas:boos:2026-11-20T08:30:00+00:00"


def test_evidence_is_the_negative_posts_with_most_reach():
    rule = NegativeSpikeRule(id="boos", min_count=2)
    loud = post(at=CURRENT, sentiment="negative", followers=80_000)
    calm = post(at=CURRENT, sentiment="neutral", followers=900_000)
    quiet = post(at=CURRENT, sentiment="negative", followers=3)
    state: NegativeState = {}
    for p in (quiet, calm, loud):
        state = negative.add(state, p, rule)
    alert = negative.evaluate(rule, "bestelbaas", state, CURRENT, NOW)
    assert alert.evidence == [loud.post_id, quiet.post_id]
    assert alert.summary == (
        "2 of 3 classified posts about bestelbaas in 30 minutes were negative (67%, usually 0%): "
        "a negative spike (rule boos)."
    )


def test_unclassified_and_own_posts_are_not_counted():
    rule = NegativeSpikeRule(id="boos")
    assert negative.add({}, post(sentiment=None), rule) == {}
    assert negative.add({}, post(owned=True, handle="bestelbaas"), rule) == {}


def test_state_stays_bounded():
    rule = NegativeSpikeRule(id="boos", window_minutes=30, baseline_windows=4)
    state: NegativeState = {}
    for step in range(200):
        state = negative.add(state, post(at=CURRENT + timedelta(minutes=7 * step)), rule)
        assert len(state) <= rule.baseline_windows + 1
        assert all(len(t.negative.evidence) <= 20 for t in state.values())
