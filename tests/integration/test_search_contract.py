"""The search layer's contract, run on every engine we can reach.

OpenSearch: the local node, always. Elasticsearch 8: whenever
LUISTER_TEST_ELASTICSEARCH_URL names one (none can run on our own machines);
without it that half is skipped and says so.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from pipeline.search import BadQuery, connect, count_by, drop_indices, index_posts, search_posts, setup_indices
from pipeline.settings import SearchSettings
from schemas import EnrichedPost, RawPost
from tests.helpers import raw_post_dict

pytestmark = pytest.mark.integration

ES_URL = os.environ.get("LUISTER_TEST_ELASTICSEARCH_URL")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

TEXTS = {
    1: ("x", "Weer vertraging bij de levering, drie dagen te laat 😡"),
    2: ("facebook", "Het café naast het station heeft gratis wifi"),
    3: ("x", "Vertragingen op alle lijnen vandaag"),
    4: ("review", "Snelle bezorging, netjes verpakt. Top!"),
    5: ("x", "Niets aan de hand, alles op tijd"),
}


@pytest.fixture(params=["opensearch", "elasticsearch"])
def engine(request, stack, settings, unique):
    if request.param == "elasticsearch" and not ES_URL:
        pytest.skip("no Elasticsearch configured: set LUISTER_TEST_ELASTICSEARCH_URL to run the contract on it")
    conf = SearchSettings(engine=request.param, url=ES_URL or settings.search.url)
    client = connect(conf)
    prefix = unique("contract")
    index = setup_indices(client, prefix)
    yield client, prefix, index
    drop_indices(client, prefix)
    client.close()


def _post(n: int, channel: str, text: str) -> EnrichedPost:
    raw = RawPost.model_validate(raw_post_dict(n, channel=channel, text=text))
    # a post of a monitor: posts of none go to the unmatched indices, which this contract does not read
    return EnrichedPost(**raw.model_dump(), enriched_at=NOW, stages=["validate"], monitors=["bestelbaas"])


def _load(client, prefix, index) -> None:
    outcome = index_posts(client, prefix, [_post(n, ch, text) for n, (ch, text) in TEXTS.items()])
    assert sorted(outcome.indexed) == sorted(f"x:t{n}" for n in TEXTS) and not outcome.rejected
    client.refresh(index)


def test_setup_is_repeatable(engine):
    client, prefix, index = engine
    assert setup_indices(client, prefix) == index


def test_indexing_twice_keeps_one_document_per_post(engine):
    client, prefix, index = engine
    _load(client, prefix, index)
    _load(client, prefix, index)
    assert client.count(index) == len(TEXTS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("vertraging", {1, 3}),          # Dutch stemming: vertragingen -> vertraging
        ("cafe", {2}),                   # ASCII folding: café
        ("vertraging AND channel:x", {1, 3}),
        ('"alles op tijd"', {5}),
        ("levering OR bezorging", {1, 4}),
        ("vertraging AND NOT lijnen", {1}),
        ("*", {1, 2, 3, 4, 5}),
    ],
)
def test_lucene_queries(engine, query, expected):
    client, prefix, index = engine
    _load(client, prefix, index)
    total, hits = search_posts(client, index, query, size=50)
    assert total == len(expected)
    assert {h["post_id"] for h in hits} == {f"x:t{n}" for n in expected}


def test_highlight_marks_the_match(engine):
    client, prefix, index = engine
    _load(client, prefix, index)
    _, hits = search_posts(client, index, "wifi")
    assert "<em>wifi</em>" in hits[0]["highlight"][0]


def test_counts_per_channel(engine):
    client, prefix, index = engine
    _load(client, prefix, index)
    assert count_by(client, index, "channel") == (5, {"x": 3, "facebook": 1, "review": 1})


def test_delete_by_query(engine):
    client, prefix, index = engine
    _load(client, prefix, index)
    assert client.delete_by_query(index, {"query": {"term": {"channel": "x"}}}) == 3
    assert client.count(index) == 2


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic warns about the deliberately wrong field type
def test_a_document_the_mapping_refuses_is_rejected_not_retried(engine):
    client, prefix, index = engine
    good = _post(1, "x", "prima")
    bad = good.model_copy(update={"post_id": "x:kapot", "engagement": {"likes": "heel veel"}})
    outcome = index_posts(client, prefix, [good, bad])
    assert outcome.indexed == ["x:t1"] and not outcome.retry
    assert list(outcome.rejected) == ["x:kapot"] and "400" in outcome.rejected["x:kapot"]


def test_a_broken_query_is_a_bad_query(engine):
    client, prefix, index = engine
    with pytest.raises(BadQuery):
        search_posts(client, index, "text:(")
