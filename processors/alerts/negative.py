"""The negative-spike rule: the share of negative posts about the monitor jumps in a window.

Fires when a window holds at least ``min_count`` negative posts and their share of the window's classified
posts reaches ``max(min_share, factor * baseline share)``. The baseline share is pooled over the
``baseline_windows`` windows before (their negatives over their classified posts, 0 without any), so a
quiet window weighs as little as it says and an empty one divides nothing by zero. Unclassified posts
(classify off, empty text) have no sentiment and count in neither the share nor its denominator; the
brand's own posts are not counted. Call ``evaluate`` after each ``add``, as for the volume spike.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from processors.alerts.base import MAX_WINDOW_MINUTES, RuleConfig, align, exact, make_alert, plural
from processors.alerts.tally import MAX_BASELINE_WINDOWS, Tally, oldest_kept, previous, put
from schemas import Alert, EnrichedPost


class SentimentTally(BaseModel):
    """One window: classified posts counted, and the negative ones with their evidence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    classified: int = Field(0, ge=0, description="Posts with a sentiment.")
    negative: Tally = Field(default_factory=Tally, description="The negative posts among them.")

    def add(self, post: EnrichedPost) -> SentimentTally:
        """This tally with the classified ``post`` counted."""
        is_negative = post.sentiment is not None and post.sentiment.label == "negative"
        return SentimentTally(
            classified=self.classified + 1, negative=self.negative.add(post) if is_negative else self.negative
        )


NegativeState = dict[datetime, SentimentTally]
"""Classified and negative posts per window start; what a faust table holds per monitor and rule."""


class NegativeSpikeRule(RuleConfig):
    """Alert when a window's negative posts reach ``min_count`` and their share the threshold."""

    type: Literal["negative_spike"] = "negative_spike"
    window_minutes: int = Field(30, ge=1, le=MAX_WINDOW_MINUTES, description="Length of a window in minutes.")
    baseline_windows: int = Field(
        8, ge=1, le=MAX_BASELINE_WINDOWS, description="How many windows before the current one form the baseline."
    )
    min_share: float = Field(0.5, gt=0, le=1, description="The smallest share of negative posts that can fire.")
    factor: float = Field(2.0, ge=1, description="How many times the baseline share the share must reach.")
    min_count: int = Field(8, ge=1, description="The fewest negative posts in a window that can fire.")


def add(state: NegativeState, post: EnrichedPost, rule: NegativeSpikeRule) -> NegativeState:
    """A new state with ``post`` (one of the monitor's posts) counted in the window of its ``published_at``.

    ``state`` is not changed; the same state comes back for an unclassified post, the brand's own post and
    a post older than the windows kept.
    """
    if post.owned or post.sentiment is None:
        return state
    start = align(post.published_at, rule.window_minutes)
    oldest = oldest_kept(state, start, rule.window_minutes, rule.baseline_windows)
    if start < oldest:
        return state
    return put(state, start, state.get(start, SentimentTally()).add(post), oldest)


def evaluate(
    rule: NegativeSpikeRule, monitor_id: str, state: NegativeState, window_start: datetime, now: datetime
) -> Alert | None:
    """The alert for the window holding ``window_start`` when its negatives cross both thresholds, else None.

    The alert's count is the window's negative posts; its baseline the negatives expected at the baseline
    share (share times the window's classified posts), so count and baseline read side by side; its
    evidence the negative posts with the most reach.
    """
    start = align(window_start, rule.window_minutes)
    current = state.get(start)
    if current is None or current.negative.count < rule.min_count:
        return None
    history = [state[s] for s in previous(start, rule.window_minutes, rule.baseline_windows) if s in state]
    classified = sum(t.classified for t in history)
    usual = Fraction(sum(t.negative.count for t in history), classified) if classified else Fraction(0)
    share = Fraction(current.negative.count, current.classified)
    if share < max(exact(rule.min_share), exact(rule.factor) * usual):
        return None
    summary = (
        f"{current.negative.count} of {plural(current.classified, 'classified post')} about {monitor_id} in "
        f"{rule.window_minutes} minutes were negative ({float(share):.0%}, usually {float(usual):.0%}): "
        f"a negative spike (rule {rule.id})."
    )
    return make_alert(
        rule, monitor_id, window_start=start, window_end=start + timedelta(minutes=rule.window_minutes),
        summary=summary, count=current.negative.count, baseline=float(usual * current.classified),
        evidence=current.negative.post_ids, now=now,
    )
