"""Connectors into real Kafka: each one against its fake API, then a restart that adds nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from crawlers.connectors import CONNECTORS, build_connector
from crawlers.connectors.base import Status
from crawlers.connectors.cli import connect
from crawlers.connectors.runner import run_connector
from crawlers.connectors.state import CursorStore
from crawlers.publish import RawPublisher
from pipeline.settings import Settings, topic
from pipeline.topics import ensure_topics
from schemas import Topic
from tests.fixtures.connectors.fake_api import FakeApi, load_api
from tests.unit.crawlers.test_connectors import expected_posts, settings_for

pytestmark = pytest.mark.integration


def raw_records(settings: Settings) -> list[tuple[str, dict]]:
    """Every (key, value) in this test's posts.raw, read to the end offsets."""
    name = topic(settings, Topic.RAW)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for batch in consumer.poll(timeout_ms=1000).values():
                records += [(r.key.decode(), json.loads(r.value)) for r in batch]
        return records
    finally:
        consumer.close()


@pytest.fixture
def kafka_settings(stack, settings, unique, tmp_path) -> Settings:
    test_settings = settings.model_copy(deep=True)
    test_settings.kafka.topic_prefix = f"{unique('conn')}."
    test_settings.sources.state_dir = tmp_path / "state"
    ensure_topics(test_settings)
    return test_settings


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_connector_publishes_each_post_once_and_a_restart_adds_nothing(
    name: str, kafka_settings: Settings, tmp_path: Path
) -> None:
    script = load_api(name)
    now = datetime.fromisoformat(script["now"])
    with FakeApi(script["responses"]) as api:
        local = settings_for(name, api.base_url, kafka_settings.sources.state_dir)
        run_settings = local.model_copy(update={"kafka": kafka_settings.kafka})
        for _ in range(2):  # the second pass is a restart: new connector, publisher and store, same state dir
            connector = build_connector(run_settings, name, script["query"], now=now)
            with RawPublisher(run_settings) as publisher:
                summary = run_connector(
                    connector, script["query"], CursorStore(run_settings.sources.state_dir, name), publisher,
                    once=True, now=lambda: now,
                )
            connector.close()
            assert summary.last_status is Status.OK
    records = raw_records(run_settings)
    expected = expected_posts(name)
    assert sorted(key for key, _ in records) == sorted(p["post_id"] for p in expected)
    assert {key: value for key, value in records} == {p["post_id"]: p for p in expected}


def test_connect_command_once(kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    script = load_api("x")
    with FakeApi(script["responses"]) as api:
        env = {
            "LUISTER_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.kafka.bootstrap_servers,
            "LUISTER_KAFKA__TOPIC_PREFIX": kafka_settings.kafka.topic_prefix,
            "LUISTER_SOURCES__STATE_DIR": str(kafka_settings.sources.state_dir),
            "LUISTER_CONNECTORS__X_BASE_URL": api.base_url,
            "LUISTER_CONNECTORS__X_BEARER_TOKEN": "integratie-token-77",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        # The fixture's posts are dated; X's 7-day window must be judged at the fixture's "now",
        # not at today's date, or a later day sees a stale since_id and fetches everything again.
        now = datetime.fromisoformat(script["now"])
        monkeypatch.setattr(
            "crawlers.connectors.cli.build_connector",
            lambda *args, **kwargs: build_connector(*args, **{**kwargs, "now": now}),
        )
        connect("x", script["query"], once=True)
        connect("x", script["query"], once=True)
    out = capsys.readouterr()
    assert "posts published" in out.out and "integratie-token-77" not in out.out + out.err
    assert sorted(k for k, _ in raw_records(kafka_settings)) == sorted(p["post_id"] for p in expected_posts("x"))
    assert json.loads((kafka_settings.sources.state_dir / "connectors" / "x.json").read_text())["cursor"] == {
        "since_id": "2124084160099284178"
    }
