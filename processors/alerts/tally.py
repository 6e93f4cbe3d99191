"""Windowed state of the spike rules: posts counted per window, with the most relevant as evidence.

A state maps window starts (UTC-aligned, see base.align) to what was counted in them; it is what a faust
table holds per monitor and rule, so it is plain pydantic data. Only the newest window and the
``baseline_windows`` before it are kept: a state never holds more than ``baseline_windows + 1`` windows,
and a post too late for those is not counted (it can no longer change an alert).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from processors.alerts.base import MAX_EVIDENCE, reach
from schemas import EnrichedPost

# The baseline is the recent normal: 288 windows are a day of 5-minute windows; a longer history mixes
# in other days and hours, and every window kept costs up to MAX_EVIDENCE post ids in the table.
MAX_BASELINE_WINDOWS = 288

T = TypeVar("T")


class Sighting(BaseModel):
    """One post kept as evidence, with the reach that ranks it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    post_id: str = Field(..., description="The post's id.")
    reach: int = Field(..., ge=0, description="Its author's followers (0 when unknown).")


class Tally(BaseModel):
    """Posts counted in one window and the MAX_EVIDENCE of them with the most reach, most first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(0, ge=0, description="Posts counted.")
    evidence: tuple[Sighting, ...] = Field((), description="The posts with the most reach, most first; "
                                           "equal reach in order of arrival.")

    def add(self, post: EnrichedPost) -> Tally:
        """This tally with ``post`` counted."""
        seen = Sighting(post_id=post.post_id, reach=reach(post))
        ranked = sorted((*self.evidence, seen), key=lambda s: -s.reach)  # stable: earlier first on ties
        return Tally(count=self.count + 1, evidence=tuple(ranked[:MAX_EVIDENCE]))

    @property
    def post_ids(self) -> list[str]:
        """The evidence's post ids, most reach first."""
        return [s.post_id for s in self.evidence]


def oldest_kept(state: Mapping[datetime, object], start: datetime, minutes: int, windows: int) -> datetime:
    """The oldest window start kept once ``start`` is counted: ``windows`` before the newest window."""
    return max([start, *state]) - windows * timedelta(minutes=minutes)


def put(state: Mapping[datetime, T], start: datetime, value: T, oldest: datetime) -> dict[datetime, T]:
    """A new state: ``state`` with ``value`` at ``start``, without windows before ``oldest``."""
    return {s: v for s, v in {**state, start: value}.items() if s >= oldest}


def previous(start: datetime, minutes: int, windows: int) -> list[datetime]:
    """The starts of the ``windows`` windows before the one at ``start``, newest first."""
    return [start - n * timedelta(minutes=minutes) for n in range(1, windows + 1)]
