"""The influencer rule: reach and sentiment thresholds, post by post."""

from __future__ import annotations

import pytest

from processors.alerts import influencer
from processors.alerts.influencer import InfluencerRule
from tests.unit.alerts.posts import NOW, post


@pytest.mark.parametrize("min_followers", [0, 1, 10_000, 250_000])
def test_fires_from_min_followers_on(min_followers):
    rule = InfluencerRule(id="bekend", min_followers=min_followers)
    at = post(followers=min_followers)
    assert influencer.evaluate(rule, "bestelbaas", at, NOW).evidence == [at.post_id]
    if min_followers:
        assert influencer.evaluate(rule, "bestelbaas", post(followers=min_followers - 1), NOW) is None


@pytest.mark.parametrize(
    ("sentiments", "sentiment", "fires"),
    [
        (("negative",), "negative", True),
        (("negative",), "neutral", False),
        (("negative",), None, False),                   # unclassified: the sentiment is unknown
        (("negative", "neutral"), "neutral", True),
        (("positive", "neutral", "negative"), None, False),
        (("positive",), "positive", True),
    ],
)
def test_sentiment_filter(sentiments, sentiment, fires):
    rule = InfluencerRule(id="bekend", min_followers=10_000, sentiments=sentiments)
    alert = influencer.evaluate(rule, "bestelbaas", post(followers=20_000, sentiment=sentiment), NOW)
    assert (alert is not None) == fires


def test_unknown_reach_and_own_posts_do_not_fire():
    rule = InfluencerRule(id="bekend", min_followers=1)
    assert influencer.evaluate(rule, "bestelbaas", post(followers=None), NOW) is None
    assert influencer.evaluate(rule, "bestelbaas", post(followers=90_000, owned=True), NOW) is None


def test_a_burst_merges_into_one_alert():
    rule = InfluencerRule(id="bekend", sentiments=("negative", "neutral"))
    first, second = (influencer.evaluate(rule, "bestelbaas", post(followers=50_000), NOW) for _ in range(2))
    merged = influencer.merge(rule, "bestelbaas", first, second)
    assert (merged.count, merged.evidence) == (2, first.evidence + second.evidence)
    assert merged.summary == (
        "2 negative or neutral posts about bestelbaas by authors with at least 10,000 followers (rule bekend)."
    )
