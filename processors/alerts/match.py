"""The match rule: a post of the monitor matches a crisis query ("datalek", "storing", "oplichting").

The query is Lucene syntax with the semantics of monitor queries and search (relevance/query.py), run on
the post's ``match_fields``. One alert per matching post would flood a channel during a crisis, so
firings are grouped: every post published in the same ``group_minutes`` window gives the same alert id, the
notifier's de-duplication by id keeps one alert per window, and ``merge`` grows its count and evidence.
The window is that of ``published_at``, not of arrival, so a replay after a restart gives the same ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from processors.alerts.base import PostRuleConfig, grow, plural, post_alert, quoted, reach
from processors.relevance.analysis import match_fields
from processors.relevance.query import Document, compile_query
from schemas import Alert, EnrichedPost


class MatchRule(PostRuleConfig):
    """Alert on posts matching a query, optionally only from authors with a minimum reach."""

    type: Literal["match"] = "match"
    query: str = Field(..., description="Lucene query (monitor-query semantics) a post must match.")
    min_followers: int = Field(0, ge=0, description="Only posts whose author has at least this many followers.")

    @field_validator("query")
    @classmethod
    def _compiles(cls, query: str) -> str:
        compile_query(query)  # raises ValueError naming the part that cannot be matched
        return query


def evaluate(rule: MatchRule, monitor_id: str, post: EnrichedPost, now: datetime) -> Alert | None:
    """An alert (count 1, the post as evidence) when ``post``, one of the monitor's posts, matches the rule;
    None for a non-matching post, an author below ``min_followers`` (unknown reach is 0) or the brand's own
    post (``owned``: its reply about a "storing" is no crisis)."""
    if post.owned or reach(post) < rule.min_followers:
        return None
    # compile_query caches: the query is parsed once, not once per post
    if not compile_query(rule.query).matches(Document.from_fields(match_fields(post))):
        return None
    return post_alert(rule, monitor_id, post, now, _summary(rule, monitor_id, 1))


def merge(rule: MatchRule, monitor_id: str, earlier: Alert, later: Alert) -> Alert:
    """``later`` (same alert id, from ``evaluate``) folded into ``earlier``: one alert for the burst."""
    return grow(earlier, later, lambda count: _summary(rule, monitor_id, count))


def _summary(rule: MatchRule, monitor_id: str, count: int) -> str:
    return f"{plural(count, 'post')} about {monitor_id} matched the alert query {quoted(rule.query)} (rule {rule.id})."
