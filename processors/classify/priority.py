"""Webcare priority of a post, from its judgements, its author's reach and whom it addresses.

The rule, in order (the first that applies wins):

1. **low** — the brand's own posts (written by an owned account of any monitor): they are
   read for response times, never answered.
2. **high** — a negative complaint sent to the brand: addressed to or @mentioning one of
   its owned accounts (reply, DM, tagged page). The customer is waiting for an answer.
3. **high** — a negative complaint or negative question about a monitored brand (the post
   belongs to a monitor) from an author with at least ``influencer_followers`` followers:
   many people read it before webcare does.
4. **low** — intent ``other`` and sentiment not negative: nothing to answer.
5. **normal** — everything else, including posts that were not classified.

When the model has no intent labels (a sentiment-only model), a negative post counts as a
complaint for rules 2 and 3 and rule 4 does not apply: without intent, negativity is the
only sign of a complaint, and no post is lowered for lack of a judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from schemas import EnrichedPost, Judgement

Priority = Literal["high", "normal", "low"]

# Accounts with 10,000 followers are commonly called micro-influencers: from there a
# complaint is read by more people than webcare usually answers in a day.
INFLUENCER_FOLLOWERS = 10_000


@dataclass(frozen=True)
class PriorityPolicy:
    """What the rule needs besides the post: every monitor's owned accounts (lower-case handles
    without '@') and the follower count from which an author counts as influential."""

    owned_accounts: frozenset[str] = frozenset()
    influencer_followers: int = INFLUENCER_FOLLOWERS


def priority(
    post: EnrichedPost, sentiment: Judgement | None, intent: Judgement | None, policy: PriorityPolicy
) -> Priority:
    """The post's priority under the rule in the module docstring."""
    author = (post.author.handle or "").lstrip("@").lower() if post.author else ""
    if author and author in policy.owned_accounts:
        return "low"
    negative = sentiment is not None and sentiment.label == "negative"
    wants = intent.label if intent is not None else ("complaint" if negative else None)
    reached = {h.lstrip("@").lower() for h in (*post.addressed, *post.mentions)}
    if negative and wants == "complaint" and reached & policy.owned_accounts:
        return "high"
    followers = (post.author.followers or 0) if post.author else 0
    if negative and wants in ("complaint", "question") and post.monitors and followers >= policy.influencer_followers:
        return "high"
    if intent is not None and intent.label == "other" and not negative:
        return "low"
    return "normal"
