"""What every alert rule shares: its config fields, UTC-aligned windows, and the Alert it builds.

Windows are tumbling and aligned to UTC multiples of their length counted from the Unix epoch, so a
window's start depends only on a time and the length: a post lands in the same window after a restart or
a replay, and an alert id ('<monitor_id>:<rule_id>:<window start ISO>') comes out the same every time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

from schemas import Alert, AlertPost, EnrichedPost, Severity
from schemas.alert import MAX_EVIDENCE, POST_TEXT_CHARS

# A slug like monitor ids: it never holds ':', so an alert id splits back into its three parts.
RULE_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_WINDOW_MINUTES = 24 * 60  # a window longer than a day is a report, not an alert
MAX_COOLDOWN_MINUTES = 7 * 24 * 60  # a rule silent for more than a week should be switched off instead
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SUMMARY_QUERY_CHARS = 200  # a query quoted in a summary: long ones are cut, the rule id names the rest


class RuleConfig(BaseModel):
    """The fields every rule type has; each type adds its literal ``type`` and its parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(..., pattern=RULE_ID, description="Lower-case slug, unique within its monitor.")
    type: str = Field(..., description="The kind of rule; each rule type narrows it to its own literal.")
    severity: Severity = Field(Severity.WARNING, description="How urgent the rule's alerts are.")
    cooldown_minutes: int = Field(
        0, ge=0, le=MAX_COOLDOWN_MINUTES,
        description="After an alert, windows of this rule starting less than this many minutes later do not "
        "alert (0: every window may).",
    )


class PostRuleConfig(RuleConfig):
    """A rule judged post by post; its firings are grouped per window (see ``post_alert`` and ``grow``)."""

    # 5 minutes: a burst of "datalek" posts becomes one alert, and a person still hears about the first
    # post within seconds.
    group_minutes: int = Field(
        5, ge=1, le=MAX_WINDOW_MINUTES, description="Firings in one window of this many minutes are one alert."
    )


def align(at: datetime, minutes: int) -> datetime:
    """The start (UTC) of the ``minutes``-long window holding ``at``."""
    length = timedelta(minutes=minutes)
    return _EPOCH + (at - _EPOCH) // length * length


def exact(value: float) -> Fraction:
    """A config number as the decimal a person wrote (0.3 is 3/10), so thresholds compare exactly."""
    return Fraction(str(value))


def reach(post: EnrichedPost) -> int:
    """The author's followers; 0 when the source does not tell, so an unknown reach never counts as large."""
    return (post.author.followers or 0) if post.author else 0


def snapshot(post: EnrichedPost) -> AlertPost:
    """What an alert carries about ``post``: its text cut to POST_TEXT_CHARS, its author and labels."""
    text = post.text if len(post.text) <= POST_TEXT_CHARS else post.text[: POST_TEXT_CHARS - 1] + "…"
    return AlertPost(
        post_id=post.post_id, url=post.url, channel=post.channel.value, author=post.author,
        published_at=post.published_at, text=text,
        sentiment=post.sentiment.label if post.sentiment else None,
        intent=post.intent.label if post.intent else None,
    )


def plural(count: int, noun: str) -> str:
    """'1 post', '3 posts'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def quoted(query: str) -> str:
    """A query for a summary, cut when long."""
    cut = query if len(query) <= _SUMMARY_QUERY_CHARS else query[: _SUMMARY_QUERY_CHARS - 1] + "…"
    return f"'{cut}'"


def make_alert(
    rule: RuleConfig,
    monitor_id: str,
    *,
    window_start: datetime,
    window_end: datetime,
    summary: str,
    count: int,
    evidence: Sequence[str],
    now: datetime,
    baseline: float | None = None,
) -> Alert:
    """The Alert for one firing of ``rule``; ``evidence`` most relevant first (cut to MAX_EVIDENCE)."""
    start = window_start.astimezone(UTC)
    return Alert(
        alert_id=f"{monitor_id}:{rule.id}:{start.isoformat()}",
        monitor_id=monitor_id,
        rule_id=rule.id,
        rule_type=rule.type,
        severity=rule.severity,
        window_start=start,
        window_end=window_end.astimezone(UTC),
        summary=summary,
        count=count,
        baseline=baseline,
        evidence=list(evidence[:MAX_EVIDENCE]),
        created_at=now,
    )


def post_alert(rule: PostRuleConfig, monitor_id: str, post: EnrichedPost, now: datetime, summary: str) -> Alert:
    """The alert of a per-post rule for one post: its window is the ``group_minutes`` window of
    ``post.published_at``, so every firing in one window shares the alert id; see ``grow``."""
    start = align(post.published_at, rule.group_minutes)
    return make_alert(
        rule, monitor_id, window_start=start, window_end=start + timedelta(minutes=rule.group_minutes),
        summary=summary, count=1, evidence=[post.post_id], now=now,
    )


def grow(earlier: Alert, later: Alert, summary: Callable[[int], str]) -> Alert:
    """One alert for a burst: ``later`` (same alert id) folded into ``earlier``.

    Evidence keeps the earlier posts first and adds the new ones (a post already there is a replay and is
    not counted again); ``created_at`` stays when the rule first fired. Once the evidence is full, a
    replayed post beyond the twentieth cannot be recognised and counts twice. Raises ValueError for
    alerts of different ids: a caller's bug.
    """
    if earlier.alert_id != later.alert_id:
        raise ValueError(f"cannot merge alert {later.alert_id!r} into {earlier.alert_id!r}")
    new = [post_id for post_id in later.evidence if post_id not in earlier.evidence]
    replayed = len(later.evidence) - len(new)
    count = earlier.count + later.count - replayed
    evidence = [*earlier.evidence, *new][:MAX_EVIDENCE]
    return earlier.model_copy(update={"count": count, "evidence": evidence, "summary": summary(count)})
