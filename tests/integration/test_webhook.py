"""The webhook receiver into real Kafka: signed WhatsApp and Messenger deliveries, then a redelivery.

The first test serves the app in-process (aiohttp's TestServer on loopback) with the real
RawPublisher; the second runs `luister webhook serve` as a process, the way it is deployed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from crawlers.connectors.webhook import STATS, make_webhook_app, sign
from crawlers.publish import RawPublisher
from pipeline.settings import Settings
from pipeline.topics import ensure_topics
from tests.integration.test_connectors import raw_records
from tests.unit.crawlers.test_webhook import APP_SECRET, NOW, VERIFY_TOKEN, config, expected, payload, post_meta, send

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kafka_settings(stack, settings, unique) -> Settings:
    test_settings = settings.model_copy(deep=True)
    test_settings.kafka.topic_prefix = f"{unique('webhook')}."
    ensure_topics(test_settings)
    return test_settings


def test_signed_deliveries_reach_posts_raw_once_and_a_redelivery_repeats_the_same_ids(
    kafka_settings: Settings,
) -> None:
    wanted = expected("whatsapp") + expected("messenger")
    with RawPublisher(kafka_settings) as publisher:
        app = make_webhook_app(config(), publisher, clock=lambda: NOW)
        first = send(app, post_meta(payload("whatsapp")), post_meta(payload("messenger")))
        assert [r.status for r in first] == [200, 200]
        once = raw_records(kafka_settings)
        assert sorted(key for key, _ in once) == sorted(p["post_id"] for p in wanted)
        assert {key: value for key, value in once} == {p["post_id"]: p for p in wanted}

        # Meta retrying (a new app on the same publisher: an aiohttp app serves one event loop only)
        retry = make_webhook_app(config(), publisher, clock=lambda: NOW)
        again = send(retry, post_meta(payload("whatsapp")), post_meta(payload("messenger")))
        assert [r.status for r in again] == [200, 200]
        assert app[STATS]["published"] == retry[STATS]["published"] == len(wanted)
    twice = raw_records(kafka_settings)
    assert Counter(key for key, _ in twice) == Counter({p["post_id"]: 2 for p in wanted})
    assert all(value == {p["post_id"]: p for p in wanted}[key] for key, value in twice)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serve_command_receives_into_kafka_and_logs_no_secrets(kafka_settings: Settings, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "LUISTER_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.kafka.bootstrap_servers,
        "LUISTER_KAFKA__TOPIC_PREFIX": kafka_settings.kafka.topic_prefix,
        "LUISTER_WEBHOOK__META_APP_SECRET": APP_SECRET,
        "LUISTER_WEBHOOK__META_VERIFY_TOKEN": VERIFY_TOKEN,
    }
    stderr = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "webhook", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it listens (imports and Kafka metadata take seconds on a busy machine)
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                assert process.poll() is None, f"serve exited early:\n{Path(stderr.name).read_text()}"
                time.sleep(0.1)
        query = f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=4242"
        assert _get(f"{base}/webhooks/meta?{query}") == (200, "4242")
        body = payload("whatsapp")
        status, text = _get(f"{base}/webhooks/meta", body, {"X-Hub-Signature-256": sign(APP_SECRET, body)})
        assert (status, json.loads(text)["published"]) == (200, 4)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    log = Path(stderr.name).read_text()
    assert "webhook_request" in log and APP_SECRET not in log and VERIFY_TOKEN not in log
    assert sorted(key for key, _ in raw_records(kafka_settings)) == sorted(p["post_id"] for p in expected("whatsapp"))
