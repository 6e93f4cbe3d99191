"""`luister api` on the real engine: the sample corpus (enriched and classified as in
test_reports.py) is indexed under a test-unique prefix and read back through HTTP.

Every expectation is computed from the same posts in Python: which posts a filter keeps and in
which order (published_at descending, post_id ascending) they come.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from pipeline.api import create_app
from pipeline.reports import Window, build_report
from pipeline.search import (SearchClient, connect, drop_indices, index_posts, posts_index, search_posts,
                             setup_indices)
from pipeline.settings import Settings
from schemas import EnrichedPost
from tests.integration.conftest import unique_name
from tests.integration.test_reports import MONITORS, NOW, SAMPLE, _enriched_sample

pytestmark = pytest.mark.integration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PAGE = 7


@pytest.fixture(scope="module")
def corpus(stack) -> Iterator[tuple[SearchClient, Settings, list[EnrichedPost]]]:
    """The sample, indexed under a fresh prefix; the settings the API reads it with."""
    base = Settings()
    prefix = unique_name("api")
    settings = base.model_copy(update={
        "search": base.search.model_copy(update={"index_prefix": prefix}),
        "relevance": base.relevance.model_copy(update={"monitors_file": SAMPLE / "monitors.yaml"}),
    })
    client = connect(settings.search)
    setup_indices(client, prefix, now=NOW)
    posts = _enriched_sample()
    outcome = index_posts(client, prefix, posts)
    assert not outcome.rejected and not outcome.retry
    client.refresh(posts_index(prefix))
    yield client, settings, [p for p in posts if p.monitors or p.competitors]  # the rest is not in the alias
    drop_indices(client, prefix)
    client.close()


@pytest.fixture(scope="module")
def http(corpus) -> Iterator[TestClient]:
    _, settings, _ = corpus
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def small_result_window(corpus) -> Iterator[int]:
    """The test indices answer no search past their 10th hit: paging by offset would fail on page 2."""
    _, settings, _ = corpus
    window = 10
    pattern = f"{posts_index(settings.search.index_prefix)}-*"
    # index settings are no part of the search layer's client: the engine's REST API directly
    httpx.put(f"{settings.search.url}/{pattern}/_settings", json={"index": {"max_result_window": window}}
              ).raise_for_status()
    yield window
    httpx.put(f"{settings.search.url}/{pattern}/_settings", json={"index": {"max_result_window": None}}
              ).raise_for_status()


def _newest_first(posts: list[EnrichedPost]) -> list[str]:
    return [p.post_id for p in sorted(posts, key=lambda p: (-p.published_at.timestamp(), p.post_id))]


def _label(judgement) -> str | None:
    return judgement.label if judgement else None


def _pages(http: TestClient, params: list[tuple[str, str]]) -> list[dict]:
    """Every page of a search, following next_cursor until it is null."""
    pages: list[dict] = []
    cursor: list[tuple[str, str]] = []
    while not pages or pages[-1]["next_cursor"] is not None:
        assert len(pages) < 200, "paging does not end"
        response = http.get("/search", params=[*params, *cursor])
        assert response.status_code == 200, f"page {len(pages) + 1}: {response.text}"
        pages.append(response.json())
        cursor = [("cursor", pages[-1]["next_cursor"])]
    return pages


NOV_5, NOV_20 = datetime(2026, 11, 5, tzinfo=AMSTERDAM), datetime(2026, 11, 20, tzinfo=AMSTERDAM)

SEARCHES: list[tuple[str, list[tuple[str, str]], Callable[[EnrichedPost], bool]]] = [
    ("everything", [], lambda p: True),
    ("one monitor", [("monitor", "bestelbaas")], lambda p: "bestelbaas" in p.monitors),
    ("filters combine", [("monitor", "bestelbaas"), ("monitor", "spaarkist"), ("sentiment", "negative"),
                         ("sentiment", "neutral"), ("channel", "x"), ("since", "2026-11-05"),
                         ("until", "2026-11-20")],
     lambda p: bool({"bestelbaas", "spaarkist"} & set(p.monitors)) and _label(p.sentiment) in ("negative", "neutral")
     and p.channel == "x" and NOV_5 <= p.published_at < NOV_20),
    ("intent and priority", [("intent", "complaint"), ("intent", "question"), ("priority", "high")],
     lambda p: _label(p.intent) in ("complaint", "question") and p.priority == "high"),
]


@pytest.mark.parametrize(("params", "wanted"), [c[1:] for c in SEARCHES], ids=[c[0] for c in SEARCHES])
def test_paging_visits_every_matching_post_once_newest_first(http, corpus, small_result_window, params, wanted):
    _, _, posts = corpus
    expected = _newest_first([p for p in posts if wanted(p)])
    assert len(expected) > small_result_window, "the case must need pages past the result window"
    pages = _pages(http, [*params, ("size", str(PAGE))])
    assert [hit["post_id"] for page in pages for hit in page["hits"]] == expected
    assert all(page["total"] == len(expected) for page in pages)
    assert [len(page["hits"]) for page in pages[:-1]] == [PAGE] * (len(pages) - 1)
    assert 0 < len(pages[-1]["hits"]) <= PAGE  # null cursor exactly on the last page: no empty page after it


def test_each_filter_narrows_the_combination(http, corpus):
    # the combined case above keeps fewer posts than any of its filters alone: all of them applied
    _, _, posts = corpus
    _, params, wanted = SEARCHES[2]
    combined = http.get("/search", params=[*params, ("size", "1")]).json()["total"]
    assert combined == sum(wanted(p) for p in posts) > 0
    for name in {name for name, _ in params}:
        alone = http.get("/search", params=[(n, v) for n, v in params if n == name] + [("size", "1")]).json()
        assert alone["total"] > combined, f"{name} alone should keep more posts"


def test_the_query_text_and_highlight_come_through(http, corpus):
    # Dutch stemming is the engine's: the library's search (as `luister search` runs it) is the reference
    client, settings, _ = corpus
    total, hits = search_posts(client, posts_index(settings.search.index_prefix), "storing OR vertraging", size=100)
    page = http.get("/search", params={"q": "storing OR vertraging", "size": "100"}).json()
    assert page["total"] == total == len(hits) > PAGE
    assert [(h["post_id"], h["highlight"]) for h in page["hits"]] == [(h["post_id"], h["highlight"]) for h in hits]
    assert any("<em>" in fragment for h in page["hits"] for fragment in h["highlight"])


@pytest.mark.parametrize("window", [
    ("2026-11-01", "2026-11-22"),
    ("2025-11-22", "2026-11-23"),  # 366 days: the longest window is allowed
])
def test_a_report_equals_the_library_report_for_the_same_window(http, corpus, window):
    client, settings, _ = corpus
    since, until = window
    expected = build_report(client, posts_index(settings.search.index_prefix), MONITORS["bestelbaas"],
                            Window(datetime.fromisoformat(since).replace(tzinfo=AMSTERDAM),
                                   datetime.fromisoformat(until).replace(tzinfo=AMSTERDAM)),
                            sla=timedelta(minutes=30))
    response = http.get("/reports/bestelbaas", params={"since": since, "until": until, "sla": "30"})
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(json.dumps(expected.as_dict()))  # as JSON, as a client reads it
    assert response.json()["mentions"] > 0


def test_a_default_report_covers_the_last_30_days(http):
    before = datetime.now(UTC)
    data = http.get("/reports/spaarkist").json()
    since, until = datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"])
    assert until - since == timedelta(days=30) and before <= until <= datetime.now(UTC)


def test_a_bad_lucene_query_is_a_400_with_the_engines_reason(http):
    response = http.get("/search", params={"q": "levering AND (storing"})
    assert response.status_code == 400
    assert "levering AND (storing" in response.json()["detail"]
    assert "parse" in response.json()["detail"].lower()  # the engine's own reason, e.g. a parse_exception


def test_client_errors_before_the_engine(http):
    assert http.get("/reports/kooptoren").status_code == 404  # a competitor, not a monitor
    assert http.get("/search", params={"size": "101"}).status_code == 422
    assert http.get("/search", params={"sentiment": "boos"}).status_code == 422
    assert http.get("/reports/bestelbaas", params={"since": "2025-11-01", "until": "2026-11-22"}).status_code == 422


def test_health_and_monitors(http):
    assert http.get("/health").json()["status"] == "ok"
    assert [m["id"] for m in http.get("/monitors").json()] == list(MONITORS)
