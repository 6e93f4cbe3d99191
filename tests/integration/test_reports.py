"""`luister report` on the real engine: every figure equals one computed here in plain Python.

The sample corpus goes through the real enrich and classify stages (the default model), is
indexed into a test-unique prefix, and the report's figures are compared with counts taken
from the same posts in Python, by the rules in pipeline/reports/kpis.py's docstring.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.reports import Window, build_report
from pipeline.search import connect, drop_indices, index_posts, posts_index, setup_indices
from pipeline.settings import Settings
from processors.classify import stage as classify
from processors.classify.model import load_classifier
from processors.classify.priority import PriorityPolicy
from processors.enrich import EnrichState, enrich
from processors.language import LinguaGuesser
from processors.outcome import Keep
from processors.relevance.match import MonitorIndex
from processors.relevance.monitors import load_monitors
from schemas import EnrichedPost, RawPost

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "local" / "sample"
MONITORS = {m.id: m for m in load_monitors((SAMPLE / "monitors.yaml").read_text(), "monitors.yaml")}
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WINDOW = Window(datetime(2026, 11, 1, tzinfo=AMSTERDAM), datetime(2026, 11, 22, tzinfo=AMSTERDAM))
SLA = timedelta(minutes=60)


def _enriched_sample() -> list[EnrichedPost]:
    monitors = tuple(MONITORS.values())
    state = EnrichState(guesser=LinguaGuesser(), monitors=monitors, index=MonitorIndex(monitors), dedupe_store={})
    kept = []
    for line in (SAMPLE / "posts.jsonl").read_text(encoding="utf-8").splitlines():
        outcome = enrich(RawPost.model_validate_json(line), state=state, now=NOW)
        if isinstance(outcome, Keep):
            kept.append(outcome.record)
    classifier = load_classifier(Settings().classify.model)
    policy = PriorityPolicy(owned_accounts=frozenset(h for m in monitors for h in m.owned_accounts))
    done = classify.classify_posts(kept, classifier, policy)
    by_id = {outcome.record.post_id: outcome.record for outcome in done.outcomes}  # redeliveries: one document
    return list(by_id.values())


@pytest.fixture(scope="module")
def corpus(stack):
    client = connect(Settings().search)
    prefix = f"report-{datetime.now(UTC):%H%M%S%f}"
    setup_indices(client, prefix, now=NOW)
    posts = _enriched_sample()
    outcome = index_posts(client, prefix, posts)
    assert not outcome.rejected and not outcome.retry
    client.refresh(posts_index(prefix))
    yield client, prefix, posts
    drop_indices(client, prefix)
    client.close()


def _mentions(posts: list[EnrichedPost], monitor_id: str) -> list[EnrichedPost]:
    owned = set(MONITORS[monitor_id].owned_accounts)
    return [p for p in posts if monitor_id in p.monitors and WINDOW.since <= p.published_at < WINDOW.until
            and not (p.author and p.author.handle in owned)]


@pytest.mark.parametrize("monitor_id", ["bestelbaas", "spaarkist", "golf"])
def test_report_figures_equal_the_sample_counted_by_hand(corpus, monitor_id):
    client, prefix, posts = corpus
    monitor = MONITORS[monitor_id]
    report = build_report(client, posts_index(prefix), monitor, WINDOW, sla=SLA)
    mine = _mentions(posts, monitor_id)
    assert report.mentions == len(mine) > 0

    assert report.channels == dict(Counter(p.channel.value for p in mine))
    assert report.sentiment == dict(Counter(p.sentiment.label for p in mine if p.sentiment))
    assert report.intent == dict(Counter(p.intent.label for p in mine if p.intent))
    assert report.proactive == sum(p.proactive for p in mine)
    days = Counter((p.published_at.astimezone(AMSTERDAM).date().isoformat(), p.channel.value) for p in mine)
    assert {(d, c): n for d, f in report.per_day.items() for c, n in f["channel"].items()} == days
    assert len(report.per_day) == 21  # every day of the window, empty ones too
    authors = Counter(p.author.handle for p in mine if p.author and p.author.handle)
    assert dict(report.top_authors) == {a: n for a, n in authors.items() if (a, n) in report.top_authors}
    assert [n for _, n in report.top_authors] == sorted(authors.values(), reverse=True)[:len(report.top_authors)]

    def engagement(p):
        return sum(getattr(p.engagement, k) or 0 for k in ("likes", "replies", "shares"))
    top = sorted(mine, key=lambda p: (-engagement(p), p.post_id))[:10]
    assert [p["post_id"] for p in report.most_engaged] == [p.post_id for p in top]

    voice = {monitor_id: len(mine)}
    for competitor in monitor.competitors:
        voice[competitor.id] = sum(competitor.id in p.competitors and WINDOW.since <= p.published_at < WINDOW.until
                                   for p in posts)
    assert report.share_of_voice == voice

    negative = [p.text.lower() for p in mine if p.sentiment and p.sentiment.label == "negative"]
    assert report.negative_topics, "the sample's negative posts share topics"
    for term, n in report.negative_topics:  # significant terms really recur in the negative posts
        assert n >= 3 and sum(term in text for text in negative) >= n
        assert term not in {monitor_id, *monitor.owned_accounts} and not term.isdigit()  # not the brand's names


def test_response_times_follow_the_brand_replies_in_threads(corpus):
    client, prefix, posts = corpus
    monitor = MONITORS["bestelbaas"]
    owned = set(monitor.owned_accounts)
    addressed = {p.post_id: p.published_at for p in _mentions(posts, "bestelbaas") if owned & set(p.addressed)}
    first: dict[str, datetime] = {}
    for p in sorted(posts, key=lambda p: p.published_at):
        if p.author and p.author.handle in owned and p.in_reply_to in addressed:
            first.setdefault(p.in_reply_to, p.published_at)
    minutes = sorted((first[i] - addressed[i]).total_seconds() / 60 for i in first)
    assert minutes, "the sample has brand replies to addressed posts"

    sla = timedelta(minutes=30)  # the sample's bestelbaas replies all come within the hour; half within 30 min
    response = build_report(client, posts_index(prefix), monitor, WINDOW, sla=sla).response
    assert (response.addressed, response.answered) == (len(addressed), len(minutes))
    assert response.within_sla == sum(m <= 30 for m in minutes)
    assert response.median_minutes == pytest.approx(statistics.median(minutes))
    assert 0 < response.within_sla < response.answered < response.addressed  # the sample has all three kinds


def test_report_command_prints_json_and_tables(corpus, monkeypatch):
    _, prefix, posts = corpus
    monkeypatch.setenv("LUISTER_SEARCH__INDEX_PREFIX", prefix)
    monkeypatch.setenv("LUISTER_RELEVANCE__MONITORS_FILE", str(SAMPLE / "monitors.yaml"))
    args = ["report", "--monitor", "spaarkist", "--since", "2026-11-01", "--until", "2026-11-22"]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["mentions"] == len(_mentions(posts, "spaarkist"))
    assert set(data["share_of_voice"]) == {"spaarkist", "muntwerf", "knipbank"}
    tables = CliRunner().invoke(app, args)
    assert tables.exit_code == 0 and "Share of voice" in tables.output and "Webcare response" in tables.output
    unknown = CliRunner().invoke(app, ["report", "--monitor", "nope"])
    assert unknown.exit_code == 1 and "spaarkist" in unknown.output
