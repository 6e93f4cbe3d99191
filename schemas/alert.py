"""Alert: a rule fired for a monitor (topic ``alerts``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.base import Record
from schemas.raw_post import Author

MAX_EVIDENCE = 20
POST_TEXT_CHARS = 500  # enough to triage in Slack or a receiver; the full post is at its url and in the search engine


class Severity(StrEnum):
    """How urgent an alert is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertPost(BaseModel):
    """What an alert tells about one of its evidence posts: enough for a person to triage it without a lookup.

    The alerts worker copies it from the post when the post is counted, so the notifier never has to ask
    the search engine (which may be behind, or down) and a downstream consumer gets it with the alert.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    post_id: str = Field(..., description="'<source>:<external_id>', as on the posts topics.")
    url: str | None = Field(None, description="Where a person can read the post.")
    channel: str = Field(..., description="The kind of place the post was seen (e.g. 'x', 'review').")
    author: Author | None = Field(None, description="Who wrote it, as far as the source tells.")
    published_at: AwareDatetime = Field(..., description="When the author published the post.")
    text: str = Field(..., description=f"The post's cleaned text, cut to {POST_TEXT_CHARS} characters with '…'.")
    sentiment: str | None = Field(None, description="positive / neutral / negative; None when not classified.")
    intent: str | None = Field(
        None, description="question / complaint / compliment / other; None when not classified."
    )


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
        ..., max_length=MAX_EVIDENCE,
        description="post_ids of the posts that made the rule fire, most relevant first (at most 20).",
    )
    posts: list[AlertPost] = Field(
        default_factory=list, max_length=MAX_EVIDENCE,
        description="The evidence posts the alerts worker still had, in the order of ``evidence``.",
    )
    created_at: AwareDatetime = Field(..., description="When the rule fired.")
