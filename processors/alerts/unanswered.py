"""The unanswered rule: a customer's question or complaint to an owned account gets no reply in time.

The state is the posts waiting for an answer, ``{post_id: published_at}``, what a faust table holds per
monitor and rule. ``observe`` adds a customer's post addressed to one of the monitor's owned accounts
(replied to, sent a DM) whose intent is one of the rule's, and removes a waiting post when an owned
account replies to it (``in_reply_to``); a reply the source does not link that way (a DM answered
without a thread) is not seen. ``due`` alerts once for each post that waited longer than the SLA and
takes it out of the state, so the state holds only posts younger than the SLA or not yet checked.

An alert's window runs from the post's ``published_at`` to the SLA's end, so its id is the same after a
replay; posts published at the same instant share an id, and ``due`` gives them one alert together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import Field, field_validator

from processors.alerts.base import RuleConfig, make_alert, plural
from schemas import INTENTS, Alert, EnrichedPost

UnansweredState = dict[str, datetime]
"""post_id -> published_at of the posts waiting for an owned account's reply."""

MAX_SLA_MINUTES = 7 * 24 * 60  # a week: a waiting post stays in the state up to the SLA


class UnansweredRule(RuleConfig):
    """Alert when a post to an owned account with one of ``intents`` has no reply after ``sla_minutes``."""

    type: Literal["unanswered"] = "unanswered"
    sla_minutes: int = Field(60, ge=1, le=MAX_SLA_MINUTES, description="Minutes within which a reply is due.")
    intents: tuple[str, ...] = Field(
        ("question", "complaint"),
        min_length=1,
        description="Intents that need a reply: any of 'question', 'complaint', 'compliment', 'other'.",
    )

    @field_validator("intents")
    @classmethod
    def _known(cls, intents: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [i for i in intents if i not in INTENTS]
        if unknown:
            raise ValueError(f"unknown intent {unknown[0]!r}; use {', '.join(INTENTS)}")
        return intents


def observe(
    state: UnansweredState, post: EnrichedPost, owned_accounts: Iterable[str], rule: UnansweredRule
) -> UnansweredState:
    """A new state after ``post``, one of the monitor's posts; ``owned_accounts`` are the monitor's handles.

    ``state`` is not changed; the same state comes back when the post neither waits nor answers. An
    unclassified post (intent unknown) does not wait.
    """
    owned = _handles(owned_accounts)
    if _handles([post.author.handle or ""] if post.author else []) & owned:
        if post.in_reply_to in state:
            return {k: v for k, v in state.items() if k != post.in_reply_to}
        return state
    addressed = _handles(post.addressed)
    if post.intent is not None and post.intent.label in rule.intents and addressed & owned:
        return {**state, post.post_id: post.published_at}
    return state


def answers(post: EnrichedPost, owned_accounts: Iterable[str]) -> str | None:
    """The post_id ``post`` replies to when an owned account wrote it, else None.

    ``observe`` only sees a reply to a post already waiting; a caller that keeps the answered ids
    can also recognise a reply that arrives before its question (posts on other partitions)."""
    if post.in_reply_to and post.author and _handles([post.author.handle or ""]) & _handles(owned_accounts):
        return post.in_reply_to
    return None


def _handles(accounts: Iterable[str]) -> set[str]:
    return {a.lstrip("@").lower() for a in accounts} - {""}


def due(
    rule: UnansweredRule, monitor_id: str, state: UnansweredState, now: datetime
) -> tuple[list[Alert], UnansweredState]:
    """The alerts for posts that have waited longer than the SLA at ``now``, oldest first, and the state
    without those posts (each post alerts once)."""
    sla = timedelta(minutes=rule.sla_minutes)
    late = {post_id: at for post_id, at in state.items() if now - at > sla}
    by_instant: dict[datetime, list[str]] = {}
    for post_id, at in late.items():
        by_instant.setdefault(at.astimezone(UTC), []).append(post_id)
    alerts = [
        make_alert(
            rule, monitor_id, window_start=at, window_end=at + sla, summary=_summary(rule, monitor_id, len(ids)),
            count=len(ids), evidence=sorted(ids), now=now,
        )
        for at, ids in sorted(by_instant.items())
    ]
    return alerts, {post_id: at for post_id, at in state.items() if post_id not in late}


def _summary(rule: UnansweredRule, monitor_id: str, count: int) -> str:
    waited = "has" if count == 1 else "have"
    return (
        f"{plural(count, 'post')} to {monitor_id}'s own accounts {waited} waited more than {rule.sla_minutes} "
        f"minutes for a reply (rule {rule.id})."
    )
