"""The composition: relevance and dedupe slot in between normalize and posts.enriched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors.enrich import DUPLICATE, IRRELEVANT, EnrichState, enrich
from processors.outcome import Drop, Keep
from processors.relevance.monitors import load_monitors
from schemas import RawPost
from tests.helpers import raw_post_dict

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
MONITORS = load_monitors(
    (Path(__file__).parents[2] / "deploy/local/sample/monitors.yaml").read_text(encoding="utf-8"), "monitors.yaml"
)
NEWS = (
    "Spaarkist meldt dat de storing in de app en internetbankieren sinds vanmiddag is verholpen; klanten "
    "die dubbele afschrijvingen zien krijgen het geld binnen twee werkdagen automatisch terug op hun rekening"
)


class DutchGuesser:
    def guess(self, text):
        return ("nl", 0.99)


def state(**options) -> EnrichState:
    return EnrichState.build(DutchGuesser(), MONITORS, dedupe_store={}, **options)


def post(n: int, text: str, **overrides) -> RawPost:
    return RawPost(**raw_post_dict(n, text=text, **overrides))


@pytest.mark.parametrize(
    ("text", "addressed", "monitors", "competitors", "proactive"),
    [
        ("@bestelbaas_helpt waar blijft mijn pakket?", ["bestelbaas_helpt"], ["bestelbaas"], [], False),
        ("Bestelbaas is wéér te laat, nooit meer", [], ["bestelbaas"], [], True),
        ("Overgestapt van Spaarkist naar Knipbank, scheelt kosten", [], ["spaarkist"], ["knipbank"], True),
        ("Bij Kooptoren was het in één dag binnen", [], [], ["kooptoren"], False),  # share of voice
        ("Golf glasvezel ligt eruit in heel Eindhoven", [], ["golf"], [], True),
    ],
)
def test_relevant_posts_carry_monitors_competitors_and_proactive(text, addressed, monitors, competitors, proactive):
    result = enrich(post(1, text, addressed=addressed), state=state(), now=NOW)
    assert isinstance(result, Keep)
    got = result.record
    assert (got.monitors, got.competitors, got.proactive) == (monitors, competitors, proactive)
    assert got.stages == ["validate", "normalize", "relevance", "dedupe"]


@pytest.mark.parametrize(
    "text",
    [
        "Mooie birdie geslagen op de golfbaan vandaag",  # 'golf' the sport: vetoed by the query
        "Lekker weertje vandaag",
        "",
        "👏👏👏",
    ],
)
def test_posts_that_match_no_monitor_are_dropped_as_irrelevant(text):
    assert enrich(post(1, text, addressed=[]), state=state(), now=NOW) == Drop(IRRELEVANT)


def test_the_brands_own_replies_belong_to_its_monitor_whatever_they_say():
    reply = post(1, "@jan_k Hoi Jan, stuur je ordernummer even via DM?", author={"handle": "bestelbaas_helpt"})
    result = enrich(reply, state=state(), now=NOW)
    assert isinstance(result, Keep) and result.record.monitors == ["bestelbaas"] and not result.record.proactive
    assert result.record.owned  # the brand's own post: not a mention in reports and dashboards
    customer = enrich(post(2, "Waar blijft mijn pakket?", addressed=["bestelbaas_helpt"]), state=state(), now=NOW)
    assert isinstance(customer, Keep) and customer.record.monitors == ["bestelbaas"] and not customer.record.owned


def test_unmatched_posts_are_kept_without_monitors_when_asked():
    result = enrich(post(1, "Lekker weertje vandaag", addressed=[]), state=state(keep_unmatched=True), now=NOW)
    assert isinstance(result, Keep) and result.record.monitors == [] and result.record.competitors == []


def test_copies_point_at_their_original_and_redeliveries_keep_their_verdict():
    s = state()
    first = enrich(post(1, NEWS), state=s, now=NOW).record
    copy = enrich(post(2, "RT @nieuws: " + NEWS), state=s, now=NOW).record
    again = enrich(post(2, "RT @nieuws: " + NEWS), state=s, now=NOW).record  # the same post redelivered
    assert (first.duplicate, first.duplicate_of) == ("original", None)
    assert (copy.duplicate, copy.duplicate_of, copy.cluster_id) == ("copy", "x:t1", "x:t1")
    assert again == copy


def test_near_duplicates_are_recognised():
    s = state()
    enrich(post(1, NEWS), state=s, now=NOW)
    edited = NEWS.replace("twee werkdagen", "drie werkdagen")
    near = enrich(post(2, edited), state=s, now=NOW).record
    assert near.duplicate == "near_duplicate" and near.duplicate_of == "x:t1" and 0.8 <= near.similarity < 1


def test_copies_are_dropped_when_the_settings_say_so():
    s = state(copies="drop")
    assert isinstance(enrich(post(1, NEWS), state=s, now=NOW), Keep)
    assert enrich(post(2, NEWS), state=s, now=NOW) == Drop(DUPLICATE)
    assert isinstance(enrich(post(1, NEWS), state=s, now=NOW), Keep)  # the original redelivered stays


def test_without_monitors_or_store_every_post_passes_unchanged_by_those_stages():
    result = enrich(post(1, "Lekker weertje"), state=EnrichState(guesser=DutchGuesser()), now=NOW)
    assert isinstance(result, Keep) and result.record.stages == ["validate", "normalize"]


class UnsureGuesser:
    def guess(self, text):
        return ("fi", 0.1)


def test_a_post_in_a_language_nobody_recognises_is_still_matched_and_deduplicated():
    s = EnrichState.build(UnsureGuesser(), MONITORS, dedupe_store={})
    result = enrich(post(1, "Spaarkist pankki ei toimi tänään, mikä on vialla?", addressed=[]), state=s, now=NOW)
    assert isinstance(result, Keep)
    assert (result.record.lang, result.record.monitors, result.record.duplicate) == ("und", ["spaarkist"], "original")


def test_the_longest_valid_post_passes_every_stage():
    text = "Spaarkist " + "storing bij het inloggen, " * 1_900  # ~47,500 characters: just under the schema's limit
    result = enrich(post(1, text, addressed=[]), state=state(), now=NOW)
    assert isinstance(result, Keep) and result.record.monitors == ["spaarkist"]
