"""Crawl the local fixture website into a real Kafka topic, twice.

Each crawl runs ``python -m crawlers.web.cli`` in a subprocess (Twisted's reactor
cannot restart in one process) against the fixture server, with a unique topic
prefix and its own state directory. The first crawl must deliver exactly the golden
posts, each once; the second must add nothing to the topic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from crawlers.web.sites import SITES
from pipeline.settings import Settings, topic
from pipeline.topics import ensure_topics
from schemas import Topic
from tests.fixtures.web.harness import FETCHED_AT, read_expected
from tests.fixtures.web.server import FixtureSite, serve_fixture_site

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CRAWL_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def fixture_site():
    with serve_fixture_site() as site:
        yield site


def run_crawl(site: str, served: FixtureSite, settings: Settings, state_dir: Path) -> str:
    env = os.environ | {
        "LUISTER_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "LUISTER_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "LUISTER_SOURCES__STATE_DIR": str(state_dir),
        "LUISTER_SOURCES__REQUEST_TIMEOUT_S": "1",  # the fixture's slow page takes 4 s
        "LUISTER_CRAWL__MAX_PAGE_BYTES": str(1024 * 1024),  # the fixture's huge page is 3 MB
        "LUISTER_CRAWL__DOWNLOAD_DELAY_S": "0",  # our own server; keeps the test quick
        "LUISTER_CRAWL__RETRY_TIMES": "0",
    }
    args = [sys.executable, "-m", "crawlers.web.cli", site, "--base-url", served.base_url,
            "--fetched-at", FETCHED_AT.isoformat()]  # fmt: skip
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CRAWL_TIMEOUT_S)
    assert done.returncode == 0, f"crawl {site} failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    return done.stdout


def read_topic(settings: Settings, name: str, expected: int) -> list[dict]:
    """All records of the topic, waiting until at least ``expected`` arrived."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=3000)  # fmt: skip
    try:
        partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        records: list[dict] = []
        for _ in range(20):
            records += [json.loads(r.value) | {"_key": r.key.decode()} for r in consumer]
            if len(records) >= expected:
                break
        return records
    finally:
        consumer.close()


def end_offsets(settings: Settings, name: str) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers)
    try:
        partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


# What each fixture site is built to make the crawler skip, by reason (see tests/fixtures/web/).
SKIPS = {
    "prikbord": ("robots", "no_date", "invalid"),
    "klantenstem": ("no_date",),
    "dagkrant": ("redirect_loop", "timeout", "too_large", "not_article"),
}


@pytest.mark.parametrize("site", list(SITES))
def test_crawl_publishes_each_golden_post_once(stack, settings, unique, fixture_site, tmp_path, site):
    run_settings = settings.model_copy(deep=True)
    run_settings.kafka.topic_prefix = unique("crawl") + "."
    ensure_topics(run_settings)
    raw = topic(run_settings, Topic.RAW)
    expected = read_expected(site)

    first = run_crawl(site, fixture_site, run_settings, tmp_path)
    records = read_topic(run_settings, raw, len(expected))

    ids = [r["post_id"] for r in records]
    assert sorted(ids) == sorted(p["post_id"] for p in expected), first
    assert all(r.pop("_key") == r["post_id"] for r in records)
    golden = {p["post_id"]: p for p in expected}
    for record in records:
        wanted = golden[record["post_id"]]
        if wanted["url"]:  # the golden posts carry the real site's host, the crawl the fixture server's
            wanted = wanted | {"url": wanted["url"].replace(SITES[site].base_url, fixture_site.base_url)}
        assert record == wanted
    assert fixture_site.hits["/forum/prive/t5999.html"] == 0  # robots.txt obeyed
    for reason in SKIPS.get(site, ()):
        assert f"skipped: {reason}" in first, first
    assert (tmp_path / "web" / site / "emitted.sqlite3").is_file()

    before = end_offsets(run_settings, raw)
    second = run_crawl(site, fixture_site, run_settings, tmp_path)
    assert end_offsets(run_settings, raw) == before, second
    assert "already_emitted" in second
