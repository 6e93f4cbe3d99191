"""`luister search` filters on the real local OpenSearch: each filter returns exactly the posts
it should, across monthly indices and Dutch day boundaries, through the library and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.search import connect, drop_indices, index_posts, posts_index, search_posts, setup_indices
from pipeline.search.filters import PostFilter
from schemas import EnrichedPost, Judgement, RawPost
from tests.helpers import raw_post_dict

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOV_1, NOV_11, NOV_12 = (datetime(2026, 11, day, tzinfo=AMSTERDAM) for day in (1, 11, 12))

POSTS_TABLE = [
    # (n, monitors, competitors, source, channel, sentiment, intent, priority, lang, published_at, text)
    (1, ["bestelbaas"], [], "x", "x", "negative", "complaint", "high", "nl", "2026-11-18T09:00:00Z",
     "@bestelbaas mijn levering is weer te laat, belachelijk"),
    (2, ["bestelbaas"], [], "x", "x", "neutral", "question", "normal", "nl", "2026-11-17T14:30:00Z",
     "@bestelbaas bezorgen jullie ook op zondag?"),
    (3, ["bestelbaas"], [], "webhook", "whatsapp", "negative", "complaint", "high", "nl", "2026-11-12T08:00:00Z",
     "Pakket kwijt en niemand neemt op, levering nummer 4411"),
    # exactly midnight of 11 November in Amsterdam, and one second before it
    (4, ["bestelbaas"], [], "webhook", "chat", "positive", "compliment", "low", "nl", "2026-11-10T23:00:00Z",
     "Dank voor de snelle hulp in de chat!"),
    (5, ["spaarkist"], [], "x", "x", "negative", "complaint", "normal", "nl", "2026-11-10T22:59:59Z",
     "spaarkist app ligt er weer uit, storing bij inloggen"),
    (6, ["spaarkist"], [], "reddit", "reddit", "neutral", "other", "low", "en", "2026-11-05T12:00:00Z",
     "Anyone else using spaarkist for savings?"),
    # 1 November in Amsterdam, still October in UTC: in the October monthly index
    (7, ["spaarkist"], [], "reviews.klantenoordeel", "review", "positive", "compliment", "low", "nl",
     "2026-10-31T23:30:00Z", "Prima rente en vriendelijke medewerkers"),
    # a competitor-only post is in the posts alias too
    (8, [], ["kooptoren"], "x", "x", "negative", "complaint", "normal", "nl", "2026-10-31T22:30:00Z",
     "kooptoren levering kwam nooit aan"),
    (9, ["bestelbaas", "spaarkist"], [], "reviews.klantenoordeel", "review", "neutral", "other", "normal", "nl",
     "2026-10-29T08:00:00Z", "Bestelbaas en Spaarkist vergeleken"),
    (10, ["bestelbaas"], [], "x", "x", None, None, "normal", "und", "2026-10-28T07:00:00Z", "👍"),  # unclassified
    (11, ["spaarkist"], [], "webhook", "whatsapp", "negative", "question", "high", "nl", "2026-11-19T16:45:00Z",
     "Waarom is mijn overboeking nog niet binnen?"),
    (12, ["bestelbaas"], [], "reddit", "reddit", "negative", "complaint", "normal", "en", "2026-11-20T11:59:59Z",
     "bestelbaas delivery late again"),
    (13, ["bestelbaas"], [], "x", "x", "negative", "complaint", "normal", "nl", "2026-11-15T10:00:00Z",
     "@bestelbaas alweer een beschadigd pakket"),
]


def _judgement(label: str | None) -> Judgement | None:
    return Judgement(label=label, score=0.9, model="m") if label else None


def _post(n, monitors, competitors, source, channel, sentiment, intent, priority, lang, published_at, text):
    raw = RawPost.model_validate(raw_post_dict(n, source=source, channel=channel, text=text,
                                               published_at=published_at, fetched_at=published_at))
    return EnrichedPost(**raw.model_dump(), monitors=monitors, competitors=competitors, lang=lang,
                        sentiment=_judgement(sentiment), intent=_judgement(intent), priority=priority,
                        enriched_at=NOW, stages=["validate", "classify"])


POSTS = [_post(*row) for row in POSTS_TABLE]


def _label(judgement: Judgement | None) -> str | None:
    return judgement.label if judgement else None


CASES = [
    pytest.param("*", PostFilter(monitors=("bestelbaas",)), lambda p: "bestelbaas" in p.monitors, id="monitor"),
    pytest.param("*", PostFilter(monitors=("bestelbaas", "spaarkist")),
                 lambda p: "bestelbaas" in p.monitors or "spaarkist" in p.monitors, id="either monitor"),
    pytest.param("*", PostFilter(sentiments=("negative",)), lambda p: _label(p.sentiment) == "negative",
                 id="sentiment, unclassified left out"),
    pytest.param("*", PostFilter(sentiments=("negative", "neutral"), intents=("complaint",)),
                 lambda p: _label(p.sentiment) in ("negative", "neutral") and _label(p.intent) == "complaint",
                 id="sentiments and intent"),
    pytest.param("*", PostFilter(sources=("webhook",)), lambda p: p.source == "webhook", id="source"),
    pytest.param("*", PostFilter(channels=("whatsapp", "review")), lambda p: p.channel in ("whatsapp", "review"),
                 id="channels"),
    pytest.param("*", PostFilter(priorities=("high",)), lambda p: p.priority == "high", id="priority"),
    pytest.param("*", PostFilter(langs=("en",)), lambda p: p.lang == "en", id="lang"),
    pytest.param("*", PostFilter(since=NOV_11), lambda p: p.published_at >= NOV_11, id="since a Dutch day"),
    pytest.param("*", PostFilter(until=NOV_1), lambda p: p.published_at < NOV_1, id="until a Dutch day"),
    pytest.param("*", PostFilter(until=POSTS[0].published_at), lambda p: p.published_at < POSTS[0].published_at,
                 id="until is exclusive"),
    pytest.param("*", PostFilter(since=NOV_11, until=NOV_12), lambda p: NOV_11 <= p.published_at < NOV_12,
                 id="one Dutch day"),
    pytest.param("*", PostFilter(since=NOV_1, until=NOV_11), lambda p: NOV_1 <= p.published_at < NOV_11,
                 id="Dutch days across two monthly indices"),
    pytest.param("*", PostFilter(monitors=("bestelbaas",), sentiments=("negative",), intents=("complaint",),
                                 channels=("x", "whatsapp"), priorities=("high",), langs=("nl",), since=NOV_1,
                                 until=NOW),
                 lambda p: ("bestelbaas" in p.monitors and _label(p.sentiment) == "negative"
                            and _label(p.intent) == "complaint" and p.channel in ("x", "whatsapp")
                            and p.priority == "high" and p.lang == "nl" and NOV_1 <= p.published_at < NOW),
                 id="every option at once"),
    pytest.param("levering", PostFilter(monitors=("bestelbaas",), sentiments=("negative",)),
                 lambda p: "levering" in p.text and "bestelbaas" in p.monitors and _label(p.sentiment) == "negative",
                 id="query text and filters"),
]


@pytest.fixture
def loaded(stack, settings, unique):
    """The posts above, indexed under a fresh prefix (spread over two monthly indices)."""
    client = connect(settings.search)
    prefix = unique("filters")
    setup_indices(client, prefix)
    outcome = index_posts(client, prefix, POSTS)
    assert sorted(outcome.indexed) == sorted(p.post_id for p in POSTS) and not outcome.rejected
    client.refresh(posts_index(prefix))
    yield client, prefix
    drop_indices(client, prefix)
    client.close()


@pytest.mark.parametrize(("query", "post_filter", "wanted"), CASES)
def test_a_filter_returns_exactly_its_posts(loaded, query, post_filter, wanted):
    client, prefix = loaded
    expected = {p.post_id for p in POSTS if wanted(p)}
    assert expected and len(expected) < len(POSTS), "a case must keep some posts and drop others"
    total, hits = search_posts(client, posts_index(prefix), query, size=50, filters=post_filter.clauses())
    assert {hit["post_id"] for hit in hits} == expected
    assert total == len(expected)


def test_the_cli_filters_and_prints_json_newest_first(loaded):
    _, prefix = loaded
    # post 4 (Dutch midnight) is in only when --since is read as Dutch time, post 12 (11:59:59 UTC)
    # is out only when --until keeps its offset
    until = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    expected = sorted((p for p in POSTS if "bestelbaas" in p.monitors
                       and _label(p.sentiment) in ("negative", "positive") and NOV_11 <= p.published_at < until),
                      key=lambda p: p.published_at, reverse=True)
    result = CliRunner().invoke(
        app,
        ["search", "*", "--monitor", "bestelbaas", "--sentiment", "negative", "--sentiment", "positive",
         "--since", "2026-11-11", "--until", "2026-11-20T12:00:00+01:00", "--size", "50", "--json"],
        env={"LUISTER_SEARCH__INDEX_PREFIX": prefix},
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["total"] == len(expected) > 0
    assert [hit["post_id"] for hit in printed["hits"]] == [p.post_id for p in expected]
