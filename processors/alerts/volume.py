"""The volume-spike rule: many more posts about the monitor in a window than in the windows before.

Fires when the count of the monitor's posts in a window reaches ``max(min_count, factor * baseline)``,
where the baseline is the mean count of the ``baseline_windows`` windows before (an empty window counts
0; a monitor without history compares with 0, so ``min_count`` alone decides). The brand's own posts are
not mentions and are not counted. Call ``evaluate`` after each ``add`` for the post's window: the alert
fires within seconds of the post that crosses the threshold, and every later firing in the same window
has the same alert id, which delivery de-duplicates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal

from pydantic import Field

from processors.alerts.base import MAX_WINDOW_MINUTES, RuleConfig, align, exact, make_alert, plural
from processors.alerts.tally import MAX_BASELINE_WINDOWS, Tally, oldest_kept, previous, put
from schemas import Alert, EnrichedPost

VolumeState = dict[datetime, Tally]
"""Posts counted per window start; what a faust table holds per monitor and rule."""


class VolumeSpikeRule(RuleConfig):
    """Alert when a window holds at least ``min_count`` posts and ``factor`` times the baseline mean."""

    type: Literal["volume_spike"] = "volume_spike"
    window_minutes: int = Field(15, ge=1, le=MAX_WINDOW_MINUTES, description="Length of a window in minutes.")
    baseline_windows: int = Field(
        8, ge=1, le=MAX_BASELINE_WINDOWS, description="How many windows before the current one form the baseline."
    )
    factor: float = Field(3.0, ge=1, description="How many times the baseline mean the count must reach.")
    min_count: int = Field(10, ge=1, description="The fewest posts in a window that can fire.")


def add(state: VolumeState, post: EnrichedPost, rule: VolumeSpikeRule) -> VolumeState:
    """A new state with ``post`` (one of the monitor's posts) counted in the window of its ``published_at``.

    ``state`` is not changed; the same state comes back for the brand's own post and for a post older than
    the windows kept.
    """
    if post.owned:
        return state
    start = align(post.published_at, rule.window_minutes)
    oldest = oldest_kept(state, start, rule.window_minutes, rule.baseline_windows)
    if start < oldest:
        return state
    return put(state, start, state.get(start, Tally()).add(post), oldest)


def evaluate(
    rule: VolumeSpikeRule, monitor_id: str, state: VolumeState, window_start: datetime, now: datetime
) -> Alert | None:
    """The alert for the window holding ``window_start`` when its count reaches the threshold, else None.

    The alert's count is the window's, its baseline the mean of the windows before, its evidence the
    window's posts with the most reach.
    """
    start = align(window_start, rule.window_minutes)
    current = state.get(start)
    if current is None:
        return None
    history = [state[s].count for s in previous(start, rule.window_minutes, rule.baseline_windows) if s in state]
    mean = Fraction(sum(history), rule.baseline_windows)
    if current.count < max(rule.min_count, exact(rule.factor) * mean):
        return None
    summary = (
        f"{plural(current.count, 'post')} about {monitor_id} in {rule.window_minutes} minutes, against a usual "
        f"{float(mean):.1f}: a volume spike (rule {rule.id})."
    )
    return make_alert(
        rule, monitor_id, window_start=start, window_end=start + timedelta(minutes=rule.window_minutes),
        summary=summary, count=current.count, baseline=float(mean), evidence=current.post_ids, now=now,
    )
