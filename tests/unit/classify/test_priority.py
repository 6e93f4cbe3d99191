from datetime import UTC, datetime

import pytest

from processors.classify.priority import PriorityPolicy, priority
from schemas import EnrichedPost, Judgement
from tests.helpers import raw_post_dict

POLICY = PriorityPolicy(owned_accounts=frozenset({"bestelbaas", "bestelbaas_help"}), influencer_followers=10_000)


def post(handle="klant1", followers=12, addressed=(), mentions=(), monitors=("bestelbaas",)) -> EnrichedPost:
    fields = raw_post_dict(1, author={"handle": handle, "followers": followers}, addressed=list(addressed),
                           mentions=list(mentions))
    return EnrichedPost(**fields, monitors=list(monitors), enriched_at=datetime(2026, 11, 20, tzinfo=UTC),
                        stages=["validate"])


def judge(label):
    return Judgement(label=label, score=0.9, model="m") if label else None


CASES = [
    # (why, post, sentiment, intent, expected)
    ("negative complaint to the brand's account", post(addressed=["bestelbaas"]), "negative", "complaint", "high"),
    ("negative complaint @mentioning the brand", post(mentions=["BestelBaas_Help"]), "negative", "complaint", "high"),
    ("negative complaint about the brand by an influencer", post(followers=25_000), "negative", "complaint", "high"),
    ("negative question about the brand by an influencer", post(followers=10_000), "negative", "question", "high"),
    ("negative complaint about the brand, few followers", post(followers=9_999), "negative", "complaint", "normal"),
    ("influencer complaint about no monitor", post(followers=50_000, monitors=()), "negative", "complaint", "normal"),
    ("negative question to the brand, few followers", post(addressed=["bestelbaas"]), "negative", "question",
     "normal"),
    ("neutral complaint to the brand", post(addressed=["bestelbaas"]), "neutral", "complaint", "normal"),
    ("the brand's own post", post(handle="Bestelbaas_help", addressed=["klant1"]), "negative", "complaint", "low"),
    ("positive chatter", post(), "positive", "other", "low"),
    ("neutral chatter", post(), "neutral", "other", "low"),
    ("negative chatter", post(), "negative", "other", "normal"),
    ("a compliment", post(), "positive", "compliment", "normal"),
    ("not classified", post(), None, None, "normal"),
    ("sentiment-only model: negative to the brand", post(addressed=["bestelbaas"]), "negative", None, "high"),
    ("sentiment-only model: positive", post(), "positive", None, "normal"),
    ("no author", post().model_copy(update={"author": None}), "negative", "complaint", "normal"),
]


@pytest.mark.parametrize(("why", "the_post", "sentiment", "intent", "expected"), CASES, ids=[c[0] for c in CASES])
def test_priority(why, the_post, sentiment, intent, expected):
    assert priority(the_post, judge(sentiment), judge(intent), POLICY) == expected


def test_the_influencer_threshold_is_a_parameter():
    strict = PriorityPolicy(owned_accounts=POLICY.owned_accounts, influencer_followers=100)
    assert priority(post(followers=150), judge("negative"), judge("complaint"), strict) == "high"
