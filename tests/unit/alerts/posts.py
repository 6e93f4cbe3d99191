"""Posts for the alert-rule tests, built the way the pipeline builds them: raw dict -> RawPost -> EnrichedPost."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from schemas import EnrichedPost, Judgement, RawPost
from tests.helpers import raw_post_dict

# A Friday morning in Amsterdam: 09:15 local is 08:15 UTC.
AT = datetime.fromisoformat("2026-11-20T09:15:00+01:00")
NOW = datetime(2026, 11, 20, 8, 16, 30, tzinfo=UTC)
_numbers = count(1)


def judge(label: str | None) -> Judgement | None:
    return Judgement(label=label, score=0.9, model="luister-nl") if label else None


def post(
    *,
    at: datetime = AT,
    text: str | None = None,
    sentiment: str | None = "negative",
    intent: str | None = "complaint",
    followers: int | None = 12,
    handle: str | None = None,
    owned: bool = False,
    **overrides: Any,
) -> EnrichedPost:
    """A post of monitor 'bestelbaas' (a fresh post_id each call) published at ``at``."""
    n = next(_numbers)
    fields: dict[str, Any] = {"published_at": at.isoformat(), "fetched_at": at.isoformat()}
    fields["author"] = {"id": f"u{n}", "handle": handle or f"klant{n}", "display_name": f"Klant {n}",
                        "followers": followers}
    if text is not None:
        fields["text"] = text
    raw = RawPost.model_validate(raw_post_dict(n, **fields, **overrides))
    return EnrichedPost(
        **raw.model_dump(), monitors=["bestelbaas"], owned=owned, sentiment=judge(sentiment), intent=judge(intent),
        enriched_at=at, stages=["validate", "normalize", "relevance", "classify"],
    )
