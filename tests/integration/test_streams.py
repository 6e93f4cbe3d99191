"""Streams into real Kafka: each one against its scripted streaming server, every post exactly once."""

from __future__ import annotations

import json
import signal
from datetime import datetime

import pytest

from crawlers.connectors import STREAMS, build_stream, stream_options
from crawlers.connectors.base import Status
from crawlers.connectors.cli import connect
from crawlers.connectors.state import CursorStore
from crawlers.connectors.stream_runner import run_stream
from crawlers.publish import RawPublisher
from pipeline.settings import Settings
from tests.fixtures.connectors.stream_server import StreamServer, load_stream
from tests.integration.test_connectors import kafka_settings, raw_records  # noqa: F401 (kafka_settings is a fixture)
from tests.unit.crawlers.test_connectors import settings_for
from tests.unit.crawlers.test_streams import expected_stream_posts

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_publishes_each_post_once(name: str, kafka_settings: Settings) -> None:  # noqa: F811
    script = load_stream(name)
    now = datetime.fromisoformat(script["now"])
    waits: list[float] = []
    with StreamServer.from_fixture(script) as server:
        local = settings_for(name, server.base_url, kafka_settings.sources.state_dir)
        run_settings = local.model_copy(update={"kafka": kafka_settings.kafka})
        store = CursorStore(run_settings.sources.state_dir, name)
        store.save(script["query"], script["cursor"], now)
        stream = build_stream(run_settings, name, script["query"], sleep=waits.append, now=now)
        try:
            with RawPublisher(run_settings) as publisher:
                summary = run_stream(
                    stream, store, publisher, stream_options(run_settings, script["max_posts"]),
                    sleep=waits.append, clock=now.timestamp, now=lambda: now,
                )
        finally:
            stream.close()
    assert summary.last_status is Status.OK and waits == script["waits"]
    records = raw_records(run_settings)
    expected = expected_stream_posts(name)
    assert sorted(key for key, _ in records) == sorted(p["post_id"] for p in expected)
    assert {key: value for key, value in records} == {p["post_id"]: p for p in expected}
    assert store.load().cursor == {"since_id": expected[-1]["external_id"]}


def test_connect_stream_command(kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: F811
    script = load_stream("x")
    # only the cheap reconnects (0.25 s each, really waited here): a dropped connection and an error line
    script["connections"] = [script["connections"][0], script["connections"][1], script["connections"][-1]]
    # the command runs on the real clock, which moves X's 7-day window: let every gap fill find nothing
    script["responses"] = [r for r in script["responses"] if "match" not in r]
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    with StreamServer.from_fixture(script) as server:
        env = {
            "LUISTER_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.kafka.bootstrap_servers,
            "LUISTER_KAFKA__TOPIC_PREFIX": kafka_settings.kafka.topic_prefix,
            "LUISTER_SOURCES__STATE_DIR": str(kafka_settings.sources.state_dir),
            "LUISTER_CONNECTORS__X_BASE_URL": server.base_url,
            "LUISTER_CONNECTORS__X_BEARER_TOKEN": "integratie-stream-token-31",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        CursorStore(kafka_settings.sources.state_dir, "x").save(
            script["query"], script["cursor"], datetime.fromisoformat(script["now"])
        )
        try:
            connect("x", script["query"], once=False, stream=True, max_posts=script["max_posts"])
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
    out = capsys.readouterr()
    assert "posts streamed" in out.out and "integratie-stream-token-31" not in out.out + out.err
    expected = expected_stream_posts("x")[1:]  # without the post only the fixture's gap fill finds
    assert sorted(k for k, _ in raw_records(kafka_settings)) == sorted(p["post_id"] for p in expected)
    saved = json.loads((kafka_settings.sources.state_dir / "connectors" / "x.json").read_text())
    assert saved["cursor"] == {"since_id": expected[-1]["external_id"]}
