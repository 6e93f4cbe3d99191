"""The dashboards' panels on the real engine: each one's query DSL (pipeline/dashboards.py) counts
exactly what the same posts counted in plain Python give.

The sample goes through the real enrich and classify stages (tests/integration/test_reports.py),
is indexed into a test-unique prefix, and every panel runs over the report window, as a
dashboard with that time range would. The expectations below are written per panel from the
posts themselves (days in Dutch time; a terms bucket keeps the values with the most posts, ties
broken by the smaller value, per parent bucket), never from the DSL.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.dashboards import (
    NEGATIVE_COMPLAINTS, SEARCH_SIZE, Panel, Terms, panel_body, panel_rows, panels, search_body,
)
from pipeline.search import connect, drop_indices, index_posts, posts_index, setup_indices
from pipeline.settings import Settings
from schemas import EnrichedPost, Judgement
from tests.integration.conftest import unique_name
from tests.integration.test_reports import MONITORS, NOW, WINDOW, _enriched_sample

pytestmark = pytest.mark.integration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
Key = tuple[str, ...]
Rows = dict[Key, dict[str, float | None]]


@pytest.fixture(scope="module")
def corpus(stack):
    client = connect(Settings().search)
    prefix = unique_name("dashboards")
    setup_indices(client, prefix, now=NOW)
    sample = _enriched_sample()
    posts = sample + _night_posts(sample)
    outcome = index_posts(client, prefix, posts)
    assert not outcome.rejected and not outcome.retry
    client.refresh(posts_index(prefix))
    yield client, prefix, [p for p in posts if WINDOW.since <= p.published_at < WINDOW.until and not _brand(p)]
    drop_indices(client, prefix)
    client.close()


def _brand(post: EnrichedPost) -> bool:
    """Written by an owned account of a monitor the post belongs to: the panels count mentions only."""
    handle = (post.author.handle or "").lower() if post.author else ""
    return any(handle in MONITORS[m].owned_accounts for m in post.monitors)


def _night_posts(sample: list[EnrichedPost]) -> list[EnrichedPost]:
    """Copies of a sample post written late in the evening UTC, which is already the next day in
    Amsterdam (the sample itself has none that count): they prove the days are Dutch days, and
    the first one that the window starts at Dutch midnight."""
    original = next(p for p in sample if p.monitors and p.author and p.author.handle)
    return [original.model_copy(update={"post_id": f"{original.source}:nacht-{n}", "external_id": f"nacht-{n}",
                                        "published_at": at})
            for n, at in enumerate([datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
                                    datetime(2026, 11, 5, 23, 45, tzinfo=UTC)])]


def _day(post: EnrichedPost) -> str:
    return post.published_at.astimezone(AMSTERDAM).date().isoformat()


def _label(judgement: Judgement | None) -> list[str]:
    return [judgement.label] if judgement else []


def _likes(posts: list[EnrichedPost]) -> float:
    return float(sum(p.engagement.likes or 0 for p in posts))


def _followers(posts: list[EnrichedPost]) -> float | None:
    known = [p.author.followers for p in posts if p.author and p.author.followers is not None]
    return statistics.fmean(known) if known else None


def _grouped(posts: list[EnrichedPost], keys: Callable[[EnrichedPost], list[Key]], sizes: list[int | None],
             metrics: dict[str, Callable[[list[EnrichedPost]], float | None]] | None = None) -> Rows:
    """Posts per key path; at each level only the ``size`` values with the most posts of their parent."""
    def level(group: list[EnrichedPost], depth: int, prefix: Key) -> Rows:
        if depth == len(sizes):
            return {prefix: {"Posts": len(group), **{name: f(group) for name, f in (metrics or {}).items()}}}
        children: dict[str, list[EnrichedPost]] = defaultdict(list)
        for post in group:
            for value in {key[depth] for key in keys(post) if key[:depth] == prefix}:
                children[value].append(post)
        ranked = sorted(children, key=lambda value: (-len(children[value]), value))[:sizes[depth]]
        return {row: values for value in ranked for row, values in level(children[value], depth + 1,
                                                                         (*prefix, value)).items()}
    return level(posts, 0, ())


def _sizes(panel: Panel) -> list[int | None]:
    return [bucket.size if isinstance(bucket, Terms) else None for bucket in panel.buckets]


# What each panel shows, counted from the posts. A new panel needs its line here.
EXPECTED: dict[str, Callable[[list[EnrichedPost], Panel], Rows]] = {
    "luister-proactive": lambda posts, _: {("Proactive",): {"Posts": sum(p.proactive for p in posts)}},
    "luister-priority-high": lambda posts, _: {
        ("High priority",): {"Posts": sum(p.priority == "high" for p in posts)}},
    "luister-volume": lambda posts, panel: _grouped(posts, lambda p: [(_day(p), p.channel.value)], _sizes(panel)),
    "luister-sentiment": lambda posts, panel: _grouped(
        posts, lambda p: [(_day(p), label) for label in _label(p.sentiment)], _sizes(panel)),
    "luister-intents": lambda posts, panel: _grouped(
        posts, lambda p: [(label,) for label in _label(p.intent)], _sizes(panel)),
    "luister-voice-monitors": lambda posts, panel: _grouped(posts, lambda p: [(m,) for m in p.monitors], _sizes(panel)),
    "luister-voice-competitors": lambda posts, panel: _grouped(
        posts, lambda p: [(c,) for c in p.competitors], _sizes(panel)),
    "luister-top-authors": lambda posts, panel: _grouped(
        posts, lambda p: [(p.author.handle,)] if p.author and p.author.handle else [], _sizes(panel),
        {"Likes": _likes, "Followers": _followers}),
    "luister-priorities": lambda posts, panel: _grouped(posts, lambda p: [(p.priority,)], _sizes(panel)),
    "luister-intents-per-channel": lambda posts, panel: _grouped(
        posts, lambda p: [(p.channel.value, label) for label in _label(p.intent)], _sizes(panel)),
}
VISUALIZATIONS = [panel for panel in panels() if isinstance(panel, Panel)]


def test_every_panel_has_its_expectation():
    missing = {panel.id for panel in VISUALIZATIONS} - set(EXPECTED)
    assert not missing, f"add how to count {sorted(missing)} from the posts to EXPECTED in {__file__}"


@pytest.mark.parametrize("panel", VISUALIZATIONS, ids=lambda panel: panel.id)
def test_panel_counts_on_the_engine_equal_the_posts_counted_in_python(corpus, panel):
    client, prefix, posts = corpus
    rows = panel_rows(panel, client.search(posts_index(prefix), panel_body(panel, WINDOW)))
    expected = EXPECTED[panel.id](posts, panel)
    assert expected and sum(values["Posts"] for values in expected.values()) > 0, "the sample must fill this panel"
    assert rows.keys() == expected.keys()
    for key, values in expected.items():
        assert rows[key] == pytest.approx(values), key


def test_the_saved_search_lists_the_negative_complaints_newest_first(corpus):
    client, prefix, posts = corpus
    response = client.search(posts_index(prefix), search_body(NEGATIVE_COMPLAINTS, WINDOW))
    wanted = [p for p in posts if p.sentiment and p.sentiment.label == "negative"
              and p.intent and p.intent.label == "complaint"]
    newest_first = sorted(wanted, key=lambda p: p.post_id)
    newest_first.sort(key=lambda p: p.published_at, reverse=True)  # stable: equal times keep post_id order
    assert 0 < len(wanted) <= SEARCH_SIZE
    assert [hit["_id"] for hit in response["hits"]["hits"]] == [p.post_id for p in newest_first]
    assert int(response["hits"]["total"]["value"]) == len(wanted)
