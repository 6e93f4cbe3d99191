"""The skeleton's delivery guarantees on real Kafka and a real OpenSearch node.

Each test gets its own topics, consumer groups and index (unique prefixes)
and runs the workers as real processes, so a SIGKILL is a real crash.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from crawlers.publish import RawPublisher
from pipeline import progress, stack
from pipeline.search import connect, drop_indices, posts_index
from pipeline.settings import Settings
from pipeline.topics import ensure_topics
from schemas import DeadReason, Topic
from tests.helpers import raw_post_bytes, raw_post_dict
from tests.integration.workers import Worker, free_port_pair, metric, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def env(stack, settings, unique, tmp_path):
    """Settings for one test: unique topics, groups and index; workers cleaned up afterwards."""
    name = unique("pipe")
    test_settings = settings.model_copy(deep=True)
    test_settings.kafka.topic_prefix = f"{name}."
    test_settings.search.index_prefix = name
    test_settings.worker.data_dir = tmp_path / "faust"
    test_settings.indexer.retry_max_s = 2.0  # recover quickly once the engine is back
    test_settings.worker.session_timeout_s = 8.0  # a killed worker's partitions return quickly
    test_settings.worker.metrics_port = free_port_pair()
    ensure_topics(test_settings)
    workers = {role: Worker(test_settings, role, tmp_path) for role in ("ingest", "indexer")}
    yield test_settings, workers
    for w in workers.values():
        w.stop()
    drop_indices(connect(test_settings.search), name)


def publish(settings: Settings, records: list[tuple[bytes | None, bytes]], per_second: float | None = None) -> None:
    with RawPublisher(settings) as publisher:
        for i, (key, value) in enumerate(records):
            publisher.publish_bytes(key, value)
            if per_second and i % 50 == 49:
                publisher.flush()
                time.sleep(50 / per_second)
    assert publisher.report.failed == 0, publisher.report.errors


def valid_posts(first: int, n: int) -> list[tuple[bytes, bytes]]:
    return [(f"x:t{i}".encode(), raw_post_bytes(i)) for i in range(first, first + n)]


def indexed_ids(settings: Settings) -> list[str]:
    client = connect(settings.search)
    index = posts_index(settings.search.index_prefix)
    try:
        client.refresh(index)
        response = client.search(index, {"size": 10_000, "_source": ["post_id"], "query": {"match_all": {}}})
    except Exception:  # index not created yet, or the engine restarting: nothing searchable yet
        return []
    return [hit["_source"]["post_id"] for hit in response["hits"]["hits"]]


def all_caught_up(settings: Settings) -> bool:
    return progress.lag(settings, "ingest", Topic.RAW) == 0 and progress.lag(settings, "indexer", Topic.ENRICHED) == 0


def malformed_records() -> list[tuple[bytes | None, bytes, DeadReason]]:
    missing_text = raw_post_dict(9001)
    del missing_text["text"]
    return [
        (None, b'{"source": "x", "external_id": "kapot", "text": "halve', DeadReason.INVALID_JSON),
        (None, b"[1, 2, 3]", DeadReason.INVALID_JSON),
        (b"x:t9001", json.dumps(missing_text).encode(), DeadReason.INVALID_SCHEMA),
        (b"x:t9002", raw_post_bytes(9002, author={"followers": "heel veel"}), DeadReason.INVALID_SCHEMA),
        (b"x:t9003", raw_post_bytes(9003, published_at=12345), DeadReason.INVALID_SCHEMA),
        (b"x:t9004", raw_post_bytes(9004, channel="postduif"), DeadReason.INVALID_SCHEMA),
        (None, b'{"source": "x", "external_id": "9005", "text": "caf\xe9 \xff"}', DeadReason.INVALID_UTF8),
        (b"x:t9006", raw_post_bytes(9006, text="lang " * 180_000), DeadReason.TOO_LARGE),  # ~900 KB
        (b"x:t9007", raw_post_bytes(9007, published_at="2026-11-20 09:15"), DeadReason.INVALID_SCHEMA),
        (b"x:t9999", raw_post_bytes(9008), DeadReason.KEY_MISMATCH),
    ]


def test_malformed_records_are_dead_lettered_and_valid_ones_indexed_once(env):
    settings, workers = env
    for w in workers.values():
        w.start()
    valid = valid_posts(1, 200)
    bad = malformed_records()  # 10 of 210: ~5 %
    records = valid[:100] + [(k, v) for k, v, _ in bad] + valid[100:]
    publish(settings, records)

    expected = {f"x:t{i}" for i in range(1, 201)}
    wait_until(lambda: set(indexed_ids(settings)) == expected, 120, "the 200 valid posts", list(workers.values()))
    letters = progress.read_dead_letters(settings)
    assert sorted(letter.reason for letter in letters) == sorted(reason for _, _, reason in bad)
    assert all(letter.stage == "validate" and letter.error for letter in letters)
    assert next(x for x in letters if x.reason == DeadReason.TOO_LARGE).payload_truncated

    # The worker is still consuming after the bad records.
    publish(settings, valid_posts(201, 1))
    wait_until(lambda: "x:t201" in indexed_ids(settings), 60, "a post sent after the bad ones", list(workers.values()))

    # Replaying everything again changes nothing in the index.
    publish(settings, records)
    wait_until(lambda: all_caught_up(settings), 120, "the replay to be processed", list(workers.values()))
    ids = indexed_ids(settings)
    assert len(ids) == 201 and set(ids) == expected | {"x:t201"}

    # Every outcome was counted (the worker processed everything twice, plus one post).
    ingest_port = settings.worker.metrics_port
    total = "luister_records_total"
    assert metric(ingest_port, total, stage="validate", outcome="kept") == 2 * 200 + 1
    assert metric(ingest_port, total, stage="validate", outcome="dead") == 2 * len(bad)
    assert metric(ingest_port + 1, total, stage="index", outcome="indexed") >= 201


@pytest.mark.parametrize("how", ["kill", "stop"], ids=["SIGKILL", "SIGTERM"])
def test_worker_killed_mid_stream_loses_nothing_and_doubles_nothing(env, how):
    settings, workers = env
    for w in workers.values():
        w.start()
    posts = valid_posts(1, 3000)
    feeder = threading.Thread(target=publish, args=(settings, posts), kwargs={"per_second": 400})
    feeder.start()
    wait_until(lambda: len(indexed_ids(settings)) >= 200, 120, "the first posts", list(workers.values()))
    for w in workers.values():
        getattr(w, how)()
    assert len(indexed_ids(settings)) < 3000, "the crash must happen mid-stream"
    time.sleep(2)
    for w in workers.values():
        w.start()
    feeder.join()
    wait_until(lambda: len(indexed_ids(settings)) >= 3000 and all_caught_up(settings), 180,
               "all 3000 posts after the restart", list(workers.values()))
    ids = indexed_ids(settings)
    assert len(ids) == 3000 and set(ids) == {k.decode() for k, _ in posts}


def test_search_engine_down_while_posts_flow_then_everything_arrives_once(env):
    settings, workers = env
    for w in workers.values():
        w.start()
    posts = valid_posts(1, 2000)
    feeder = threading.Thread(target=publish, args=(settings, posts), kwargs={"per_second": 200})
    feeder.start()
    try:
        wait_until(lambda: len(indexed_ids(settings)) >= 100, 120, "the first posts", list(workers.values()))
        stack.stop_search(settings, log=lambda _m: None)
        time.sleep(5)  # posts keep arriving in Kafka while the engine is down
        assert workers["indexer"].alive(), workers["indexer"].log_tail()
    finally:
        stack.start_search(settings, log=lambda _m: None)
    feeder.join()
    wait_until(lambda: len(indexed_ids(settings)) >= 2000 and all_caught_up(settings), 240,
               "all 2000 posts after the engine came back", list(workers.values()))
    ids = indexed_ids(settings)
    assert len(ids) == 2000 and set(ids) == {k.decode() for k, _ in posts}
    assert "engine_unavailable_retrying" in workers["indexer"].log_text()  # it waited, it did not skip


NEWS = (
    "Spaarkist meldt dat de storing in de app en internetbankieren sinds vanmiddag is verholpen; klanten "
    "die dubbele afschrijvingen zien krijgen het geld binnen twee werkdagen automatisch terug op hun rekening"
)


def test_relevance_and_dedupe_in_the_stream_and_dedupe_state_survives_a_crash(env):
    """Irrelevant posts are dropped; copies found after a SIGKILL of the ingest worker point at an
    original seen before it: the dedupe state survived the crash."""
    settings, workers = env
    for w in workers.values():
        w.start()
    original = raw_post_bytes(1, text=NEWS, addressed=[])
    weather = raw_post_bytes(2, text="Lekker weertje vandaag, eindelijk de fiets weer op", addressed=[])
    publish(settings, [(b"x:t1", original), (b"x:t2", weather)])
    wait_until(lambda: "x:t1" in indexed_ids(settings) and all_caught_up(settings), 120,
               "the original", list(workers.values()))
    workers["ingest"].kill()
    workers["ingest"].start()
    copy = raw_post_bytes(3, text="RT @nieuwsdesk: " + NEWS, addressed=[])
    near = raw_post_bytes(4, text=NEWS.replace("twee werkdagen", "drie werkdagen"), addressed=[])
    publish(settings, [(b"x:t3", copy), (b"x:t4", near), (b"x:t1", original)])  # and the original redelivered
    wait_until(lambda: {"x:t3", "x:t4"} <= set(indexed_ids(settings)) and all_caught_up(settings), 120,
               "the copies after the restart", list(workers.values()))

    docs = indexed_docs(settings)
    assert set(docs) == {"x:t1", "x:t3", "x:t4"}  # the weather post matched no monitor
    first, rt, edited = docs["x:t1"], docs["x:t3"], docs["x:t4"]
    assert (first["duplicate"], first["monitors"], first["proactive"]) == ("original", ["spaarkist"], True)
    assert (rt["duplicate"], rt["duplicate_of"], rt["cluster_id"]) == ("copy", "x:t1", "x:t1")
    assert (edited["duplicate"], edited["duplicate_of"]) == ("near_duplicate", "x:t1")
    assert "relevance" in first["stages"] and "dedupe" in first["stages"]


def indexed_docs(settings: Settings) -> dict[str, dict]:
    client = connect(settings.search)
    index = posts_index(settings.search.index_prefix)
    client.refresh(index)
    hits = client.search(index, {"size": 1000, "query": {"match_all": {}}})["hits"]["hits"]
    return {hit["_source"]["post_id"]: hit["_source"] for hit in hits}


def test_posts_are_classified_by_the_default_model_in_the_stream_and_odd_text_stops_nothing(env):
    """The real default model (models/luister-nl, built by `make model`) judges every post in the worker."""
    settings, workers = env
    for w in workers.values():
        w.start()
    texts = {
        1: "@bestelbaas ik ben echt superblij met jullie snelle hulp, top geregeld, dank jullie wel!",
        2: "@bestelbaas al drie weken geen pakket en niemand reageert. Waardeloze service, ik ben er klaar mee.",
        3: "@bestelbaas hoe kan ik mijn bezorgadres wijzigen?",
        4: "@bestelbaas 😡😡😡",
        5: "@bestelbaas " + "lange tekst zonder einde " * 1_990,  # 49,762 characters: just under the 50,000 limit
        6: "@bestelbaas kapot\x00\x07\x1b[31m pakket \u200b\u202e ontvangen",
        7: "@bestelbaas the parcel never arrived and support is useless",
    }
    publish(settings, [(f"x:t{n}".encode(), raw_post_bytes(n, text=text)) for n, text in texts.items()])
    expected = {f"x:t{n}" for n in texts}
    wait_until(lambda: set(indexed_ids(settings)) == expected, 120, "the classified posts", list(workers.values()))
    docs = indexed_docs(settings)
    for doc in docs.values():
        assert doc["sentiment"]["label"] in {"positive", "neutral", "negative"}
        assert doc["intent"]["label"] in {"question", "complaint", "compliment", "other"}
        assert 0 < doc["sentiment"]["score"] <= 1 and doc["sentiment"]["model"]
        assert "classify" in doc["stages"]
    assert docs["x:t1"]["sentiment"]["label"] == "positive"
    assert docs["x:t1"]["intent"]["label"] == "compliment"
    assert docs["x:t2"]["sentiment"]["label"] == "negative"
    assert docs["x:t2"]["intent"]["label"] == "complaint"
    assert docs["x:t2"]["priority"] == "high"  # a negative complaint addressed to the brand's own account
    assert docs["x:t3"]["intent"]["label"] == "question"
    assert docs["x:t7"]["lang"] == "en"  # classified, and marked with its language
    assert progress.read_dead_letters(settings) == []
