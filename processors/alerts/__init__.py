"""Alert rules: one module per rule type, each a frozen config model and pure functions.

Per-post rules (``match``, ``influencer``) have ``evaluate(rule, monitor_id, post, now)`` and ``merge``;
windowed rules (``volume_spike``, ``negative_spike``) ``add(state, post, rule)`` and
``evaluate(rule, monitor_id, state, window_start, now)``; ``unanswered`` has ``observe`` and ``due``.
State is plain data passed in and returned new, never changed in place: the caller keeps it (a faust
table). ``Rule`` validates one rule of the monitors file by its ``type``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from processors.alerts.influencer import InfluencerRule
from processors.alerts.match import MatchRule
from processors.alerts.negative import NegativeSpikeRule
from processors.alerts.unanswered import UnansweredRule
from processors.alerts.volume import VolumeSpikeRule

Rule = Annotated[
    MatchRule | VolumeSpikeRule | NegativeSpikeRule | InfluencerRule | UnansweredRule,
    Field(discriminator="type"),
]
"""One alert rule of a monitor, its type chosen by the ``type`` field."""

__all__ = ["InfluencerRule", "MatchRule", "NegativeSpikeRule", "Rule", "UnansweredRule", "VolumeSpikeRule"]
