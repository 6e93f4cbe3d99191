"""The feed poller into a real Kafka: every fixture entry arrives in posts.raw exactly once,
a second poll adds nothing, and `luister poll --once` does the same from the command line."""

from __future__ import annotations

import json
import time

import pytest
import structlog
import typer
from kafka import KafkaConsumer
from typer.testing import CliRunner

from crawlers.feeds.cli import poll, poll_once
from crawlers.feeds.poller import FetchStatus
from pipeline.settings import Settings, topic
from pipeline.topics import ensure_topics
from schemas import RawPost, Topic
from tests.fixtures.feeds.server import FeedServer, registry

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _structlog_defaults():
    configured = structlog.is_configured()
    yield
    if not configured:
        structlog.reset_defaults()  # poll() configured structlog (nobody had): leave no trace for other tests


def expected_ids() -> list[str]:
    return sorted(
        json.loads(line)["post_id"]
        for feed in registry().values()
        for line in feed.expected_path.read_text(encoding="utf-8").splitlines()
    )


def raw_records(settings: Settings, group: str, idle_s: float = 3.0) -> list[tuple[str, RawPost]]:
    """Everything in posts.raw, read until the topic has been quiet for ``idle_s``."""
    consumer = KafkaConsumer(
        topic(settings, Topic.RAW), bootstrap_servers=settings.kafka.bootstrap_servers, group_id=group,
        auto_offset_reset="earliest", consumer_timeout_ms=int(idle_s * 1000),
    )
    try:
        return [(r.key.decode(), RawPost.model_validate_json(r.value)) for r in consumer]
    finally:
        consumer.close()


@pytest.fixture
def feed_settings(stack, settings, unique, tmp_path):
    test_settings = settings.model_copy(deep=True)
    test_settings.kafka.topic_prefix = f"{unique('feeds')}."
    test_settings.sources.state_dir = tmp_path / "state"
    test_settings.feeds.default_interval_s = 0.01  # every feed is due again at once: the second poll refetches
    ensure_topics(test_settings)
    return test_settings


def test_fixture_feeds_arrive_in_posts_raw_exactly_once(feed_settings, unique):
    with FeedServer() as server:
        feeds = [feed.config(server.base_url) for feed in registry().values()]
        first = poll_once(feed_settings, feeds)
        assert {r.feed.source: str(r.status) for r in first} == {f.source: f.status for f in registry().values()}
        time.sleep(0.05)
        second = poll_once(feed_settings, feeds)
    assert sum(r.new for r in second) == 0
    assert {r.status for r in second} == {FetchStatus.NOT_MODIFIED, FetchStatus.PARSE_ERROR}

    records = raw_records(feed_settings, unique("feeds-reader"))
    assert sorted(key for key, _ in records) == expected_ids()
    assert all(key == post.post_id for key, post in records)


def test_poll_command_once_prints_a_summary_and_publishes(feed_settings, unique, tmp_path, monkeypatch):
    monkeypatch.setenv("LUISTER_KAFKA__TOPIC_PREFIX", feed_settings.kafka.topic_prefix)
    monkeypatch.setenv("LUISTER_SOURCES__STATE_DIR", str(feed_settings.sources.state_dir))
    app = typer.Typer()
    app.command()(poll)
    with FeedServer() as server:
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(
            f"- {{url: '{server.base_url}/dagbladwest.xml', source: news.dagbladwest, channel: news}}\n"
            f"- {{url: '{server.base_url}/error', source: news.kapot, channel: news}}\n"
        )
        result = CliRunner().invoke(app, ["--once", "--feeds", str(feeds_file)])
    assert result.exit_code == 0, result.output
    assert "http_error" in result.output and "ok" in result.output and "new entries published: 3" in result.output
    records = raw_records(feed_settings, unique("feeds-cli-reader"))
    assert sorted(key for key, _ in records) == sorted(
        json.loads(line)["post_id"]
        for line in registry()["dagbladwest"].expected_path.read_text(encoding="utf-8").splitlines()
    )

