"""The match rule: Dutch posts against crisis queries, with the semantics of monitor queries."""

from __future__ import annotations

import pytest

from processors.alerts import match
from processors.alerts.match import MatchRule
from schemas import Severity
from tests.unit.alerts.posts import NOW, post


@pytest.mark.parametrize(
    ("query", "text", "fires"),
    [
        ("datalek", "Datalek bij @bestelbaas: mijn adres staat online", True),
        ("datalek", "Data lek? Nee hoor, gewoon traag", False),                 # two words, not the term
        ('"gegevens gelekt"', "Mijn gegevens zijn gelekt via bestelbaas", False),  # not adjacent
        ('"gegevens gelekt"~1', "Mijn gegevens zijn gelekt via bestelbaas", True),
        ("storing*", "Storingsmelding: app van bestelbaas plat", True),         # folded, wildcard on a token
        ("oplichting AND NOT phishing", "Oplichting via sms uit naam van bestelbaas", True),
        ("oplichting AND NOT phishing", "Oplichting? Gewoon phishing, niet van bestelbaas", False),
        ("channel:forum AND pakket", "@bestelbaas waar is mijn pakket", False),   # the post is on x
        ("channel:x AND pakket", "@bestelbaas waar is mijn pakket", True),
        ("#datalek", "Weer een #Datalek bij bestelbaas", True),                 # text token 'datalek'
        ("crème", "De creme brulee van bestelbaas was op", True),               # diacritics fold both ways
    ],
)
def test_matches_like_monitor_queries(query, text, fires):
    rule = MatchRule(id="crisis", query=query)
    alert = match.evaluate(rule, "bestelbaas", post(text=text), NOW)
    assert (alert is not None) == fires


def test_the_alert():
    rule = MatchRule(id="datalek", query="datalek", severity="critical")
    the_post = post(text="Datalek bij bestelbaas!")
    alert = match.evaluate(rule, "bestelbaas", the_post, NOW)
    assert (alert.monitor_id, alert.rule_id, alert.rule_type, alert.severity) == (
        "bestelbaas", "datalek", "match", Severity.CRITICAL)
    assert (alert.count, alert.baseline, alert.evidence) == (1, None, [the_post.post_id])
    assert alert.summary == "1 post about bestelbaas matched the alert query 'datalek' (rule datalek)."


@pytest.mark.parametrize("min_followers", [1, 500, 10_000])
def test_min_followers_is_the_threshold(min_followers):
    rule = MatchRule(id="datalek", query="datalek", min_followers=min_followers)
    assert match.evaluate(rule, "bestelbaas", post(text="datalek", followers=min_followers), NOW) is not None
    assert match.evaluate(rule, "bestelbaas", post(text="datalek", followers=min_followers - 1), NOW) is None
    assert match.evaluate(rule, "bestelbaas", post(text="datalek", followers=None), NOW) is None  # unknown reach


def test_the_brands_own_posts_never_fire():
    rule = MatchRule(id="storing", query="storing")
    reply = post(text="We weten van de storing en werken aan een oplossing", handle="bestelbaas", owned=True)
    assert match.evaluate(rule, "bestelbaas", reply, NOW) is None


def test_long_queries_are_cut_in_the_summary():
    query = " OR ".join(f"woord{i}" for i in range(200)) + " OR datalek"
    alert = match.evaluate(MatchRule(id="lang", query=query), "bestelbaas", post(text="datalek"), NOW)
    assert len(alert.summary) < 300 and "(rule lang)" in alert.summary
