"""A monitor query selects the same posts in the stream and in the search engine.

The whole sample corpus (plus a few awkward texts) is enriched as the worker
does it and indexed into a real OpenSearch; then every query of the sample
monitors and a table of varied ones run on both sides: the Python matcher
(processors/relevance) and the engine query from ``monitor_query``. The
sets of post ids must be equal.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.search import connect, drop_indices, index_posts, monitor_query, setup_indices
from processors.enrich import EnrichState, enrich
from processors.language import LinguaGuesser
from processors.relevance.analysis import match_fields
from processors.relevance.match import MonitorIndex
from processors.relevance.monitors import load_monitors
from processors.relevance.query import Document, compile_query
from schemas import EnrichedPost, RawPost
from tests.helpers import random_query, raw_post_dict
from tests.integration.conftest import unique_name

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "local" / "sample"
MONITORS = load_monitors((SAMPLE / "monitors.yaml").read_text(), "monitors.yaml")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

# Texts the sample lacks: what only tokenization decides.
AWKWARD = {
    "emoji": "😡😡😡 🙄",
    "blob": "a" * 300 + " na de blob komt bestelbaas",
    "letters": "İstanbul, Straße, Ørsted en ﬁets: ㎒ en m² bij Café België",
    "astral": "𠀀𠀁 golf 𝐆𝐨𝐥𝐟 storing",
    "punctuation": "bol.com / sim-only / @bestelbaas_helpt / #Bolcom ... spaarkist!!!",
}

QUERIES = [
    "belgie",                                   # diacritics in the post (België)
    "België OR cafes",                          # diacritics in the query
    "een AND oke",                              # één, oké
    "m2",                                       # NFKD: m²
    "ozlem OR kassiere",
    '"black friday"',
    '"friday black"~1',                         # swapped: costs 2, so no
    '"friday black"~2',                         # swapped: yes
    '"spaarkist storing"',
    '"spaarkist storing"~1',
    '"spaarkist storing"~2',
    '"storing spaarkist"~3',                    # out of order
    '"internet geen"~2',
    '"spaarkist app storing"~4',
    '"storing app spaarkist"~6',               # three words, reversed
    '"de bank"~1',
    "stor*",
    "spaar?ist*",
    "*storing",                                 # leading wildcard
    "golf NOT (surf* OR hole OR birdie)",
    "+spaarkist -storing",
    "spaarkist muntwerf",                       # implicit OR
    "+spaarkist muntwerf",                      # the optional clause only ranks
    "spaarkist^2 OR muntwerf",                  # boost ignored
    "NOT bestelbaas",                           # only a must_not: everything else
    "author:golfhelpt",
    'author:"golf helpt"',
    "author:bestelbaas*",
    "source:reviews*",
    "source:reviews.klantenoordeel AND NOT pakket",
    "channel:forum OR channel:news",
    "lang:und OR lang:en",
    "lang:nl AND glasvezel",
    "title:zwolle",
    'title:"golf glasvezel"',
    "text:distributiecentrum",
    "mentions:@spaarkist_webcare",
    "hashtags:#5G",
    "hashtags:spaar*",
    "@bestelbaas_helpt OR #spaarkiststoring",
    "bol.com OR sim-only",
    "(bestelbaas OR kooptoren) AND (pakket* OR bezorg*) -sorry",
    "((spaarkist AND pinnen) OR (golf AND storing)) AND NOT channel:x",
    "rt AND (golfnl OR golfhelpt)",
    "text:* AND NOT title:*",
    "blob OR aaaa*",
    "istanbul OR strasse OR orsted OR fiets OR mhz",
]


def _corpus() -> list[EnrichedPost]:
    state = EnrichState(guesser=LinguaGuesser())
    raws = [RawPost.model_validate_json(line) for line in (SAMPLE / "posts.jsonl").read_text().splitlines()]
    raws += [RawPost.model_validate(raw_post_dict(n, external_id=f"awkward-{name}", text=text))
             for n, (name, text) in enumerate(AWKWARD.items())]
    by_id = {p.post_id: enrich(p, state=state, now=NOW).record for p in raws}  # redeliveries: one document
    # every post into the posts alias this test searches (matching is what is compared, not routing)
    return [p.model_copy(update={"monitors": ["parity"]}) for p in by_id.values()]


@pytest.fixture(scope="module")
def corpus(stack, settings):
    """(client, index, {post_id: Document}) with the corpus indexed and searchable."""
    client = connect(settings.search)
    prefix = unique_name("parity")
    index = setup_indices(client, prefix)
    posts = _corpus()
    for i in range(0, len(posts), 200):
        outcome = index_posts(client, prefix, posts[i:i + 200])
        assert not outcome.rejected and not outcome.retry, outcome
    client.refresh(index)
    yield client, index, {p.post_id: Document.from_fields(match_fields(p)) for p in posts}, posts
    drop_indices(client, prefix)
    client.close()


def _engine(client, index, query: str) -> set[str]:
    response = client.search(index, {"query": monitor_query(query), "size": 10_000, "_source": False,
                                     "track_total_hits": True})
    ids = {hit["_id"] for hit in response["hits"]["hits"]}
    assert response["hits"]["total"]["value"] == len(ids)
    return ids


def _stream(docs, query: str) -> set[str]:
    compiled = compile_query(query)
    return {post_id for post_id, doc in docs.items() if compiled.matches(doc)}


MONITOR_QUERIES = [m.query for m in MONITORS] + [c.query for m in MONITORS for c in m.competitors]


@pytest.mark.parametrize("query", MONITOR_QUERIES + QUERIES)
def test_stream_and_engine_select_the_same_posts(corpus, query):
    client, index, docs, _ = corpus
    assert _stream(docs, query) == _engine(client, index, query)


def test_random_queries_select_the_same_posts(corpus):
    """Shapes nobody thought to write down: random queries over the corpus's own words."""
    client, index, docs, _ = corpus
    counts = Counter(token for doc in docs.values() for token in doc.positions["text"])
    words = [w for w, _ in counts.most_common(120) if len(w) > 1]
    rng = random.Random(20261122)
    queries = [random_query(rng, words) for _ in range(300)]
    differ = [q for q in queries if _stream(docs, q) != _engine(client, index, q)]
    assert not differ, differ[:5]
    assert sum(1 for q in queries if 0 < len(_stream(docs, q)) < len(docs)) > 100


def test_the_table_is_not_vacuous(corpus):
    _, _, docs, _ = corpus
    results = {q: _stream(docs, q) for q in MONITOR_QUERIES + QUERIES}
    assert sum(1 for ids in results.values() if ids) >= 40
    assert sum(1 for ids in results.values() if len(ids) < len(docs)) >= 40  # and not everything either
    assert len(set().union(*results.values())) > 0.9 * len(docs)


def test_the_monitor_index_agrees_with_the_engine(corpus):
    client, index, _, posts = corpus
    matcher = MonitorIndex(MONITORS)
    found: dict[str, set[str]] = {}
    for post in posts:
        matches = matcher.match(post)
        for ident in matches.monitors + matches.competitors:
            found.setdefault(ident, set()).add(post.post_id)
    for monitor in MONITORS:
        assert found.get(monitor.id, set()) == _engine(client, index, monitor.query), monitor.id
        for competitor in monitor.competitors:
            assert found.get(competitor.id, set()) == _engine(client, index, competitor.query), competitor.id
