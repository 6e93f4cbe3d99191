"""The influencer rule: an author with many followers posts about the monitor with a chosen sentiment.

A per-post rule grouped like the match rule (see match.py): posts published in the same
``group_minutes`` window share an alert id and ``merge`` folds them into one alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from processors.alerts.base import PostRuleConfig, grow, plural, post_alert, reach
from schemas import SENTIMENTS, Alert, EnrichedPost


class InfluencerRule(PostRuleConfig):
    """Alert on posts by authors with at least ``min_followers`` followers and one of ``sentiments``."""

    type: Literal["influencer"] = "influencer"
    min_followers: int = Field(10_000, ge=0, description="Followers an author needs to count as influential.")
    sentiments: tuple[str, ...] = Field(
        ("negative",), min_length=1, description="Sentiments that alert: any of 'positive', 'neutral', 'negative'."
    )

    @field_validator("sentiments")
    @classmethod
    def _known(cls, sentiments: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in sentiments if s not in SENTIMENTS]
        if unknown:
            raise ValueError(f"unknown sentiment {unknown[0]!r}; use {', '.join(SENTIMENTS)}")
        return sentiments


def evaluate(rule: InfluencerRule, monitor_id: str, post: EnrichedPost, now: datetime) -> Alert | None:
    """An alert (count 1, the post as evidence) when the author of ``post``, one of the monitor's posts, has
    at least ``min_followers`` followers and the post's sentiment is one of ``sentiments``. None otherwise,
    and for an unclassified post (its sentiment is unknown) or the brand's own post."""
    if post.owned or post.sentiment is None or post.sentiment.label not in rule.sentiments:
        return None
    if reach(post) < rule.min_followers:
        return None
    return post_alert(rule, monitor_id, post, now, _summary(rule, monitor_id, 1))


def merge(rule: InfluencerRule, monitor_id: str, earlier: Alert, later: Alert) -> Alert:
    """``later`` (same alert id, from ``evaluate``) folded into ``earlier``: one alert for the burst."""
    return grow(earlier, later, lambda count: _summary(rule, monitor_id, count))


def _summary(rule: InfluencerRule, monitor_id: str, count: int) -> str:
    mood = " or ".join(rule.sentiments)
    return (
        f"{plural(count, mood + ' post')} about {monitor_id} by authors with at least {rule.min_followers:,} "
        f"followers (rule {rule.id})."
    )
