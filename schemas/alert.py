"""Alert: a rule fired for a monitor (topic ``alerts``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import Record


class Severity(StrEnum):
    """How urgent an alert is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Alert(Record):
    """One firing of one rule for one monitor in one window; delivered at most once per (rule, window)."""

    schema_version: Literal[1] = Field(1, description="Version of this record's schema.")
    alert_id: str = Field(
        ..., description="'<monitor_id>:<rule_id>:<window_start ISO>'; the de-duplication key of delivery."
    )
    monitor_id: str = Field(..., description="The monitor the rule belongs to; the Kafka key.")
    rule_id: str = Field(..., description="The rule's id, unique within its monitor.")
    rule_type: str = Field(..., description="The kind of rule (e.g. 'match', 'volume_spike').")
    severity: Severity = Field(..., description="How urgent the alert is.")
    window_start: AwareDatetime = Field(..., description="Start of the window the rule looked at.")
    window_end: AwareDatetime = Field(..., description="End of the window the rule looked at.")
    summary: str = Field(..., max_length=2_000, description="One sentence for a person: what happened.")
    count: int = Field(..., ge=0, description="The number of posts that made the rule fire.")
    baseline: float | None = Field(None, description="What the rule expected (e.g. mean count), when it compares.")
    evidence: list[str] = Field(
        ..., description="post_ids of the posts that made the rule fire, most relevant first (at most 20)."
    )
    created_at: AwareDatetime = Field(..., description="When the rule fired.")
