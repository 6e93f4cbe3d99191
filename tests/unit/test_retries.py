"""Retry loops of the delivery paths, driven by stand-ins that fail on cue (no servers)."""

import asyncio
from datetime import UTC, datetime

import pytest

import pipeline.delivery as delivery
import pipeline.sinks.indexer as indexer
from pipeline.search import SearchUnavailable
from pipeline.settings import IndexerSettings
from schemas import EnrichedPost, RawPost
from tests.helpers import raw_post_dict


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    async def instant(_seconds):
        return None

    monkeypatch.setattr(asyncio, "sleep", instant)


class FlakyTopic:
    """Accepts sends; the first `failures` deliveries fail the way a broker timeout does."""

    def __init__(self, failures: int) -> None:
        self.failures, self.delivered = failures, []

    async def send(self, key, value):
        future = asyncio.get_running_loop().create_future()
        if self.failures:
            self.failures -= 1
            future.set_exception(TimeoutError("broker did not answer"))
        else:
            self.delivered.append(key)
            future.set_result(None)
        return future


def test_send_all_retries_failed_sends_until_delivered():
    topic = FlakyTopic(failures=3)
    asyncio.run(delivery.send_all([(topic, b"a", b"1"), (topic, b"b", b"2")]))
    assert sorted(topic.delivered) == [b"a", b"b"]


def _post(n):
    raw = RawPost.model_validate(raw_post_dict(n))
    return EnrichedPost(**raw.model_dump(), enriched_at=datetime(2026, 11, 20, tzinfo=UTC), stages=["validate"])


class FlakyEngine:
    """Down for `down` requests, then answers 429 once for one post, then takes everything."""

    def __init__(self, down: int) -> None:
        self.down, self.throttled, self.indexed = down, False, []

    def bulk(self, operations):
        if self.down:
            self.down -= 1
            raise SearchUnavailable("connection refused")
        items = []
        for op in operations[::2]:
            pid = op["index"]["_id"]
            status = 201
            if pid == "x:t2" and not self.throttled:
                self.throttled, status = True, 429
            elif pid == "x:t3":
                status = 400
            else:
                self.indexed.append(pid)
            items.append({"index": {"_id": pid, "status": status, "error": {"type": "t", "reason": "r"}}})
        return {"items": items}


def test_indexer_waits_out_an_outage_and_retries_throttled_posts():
    engine = FlakyEngine(down=4)
    rejected = asyncio.run(indexer.index_until_done(engine, "i", [_post(1), _post(2), _post(3)], IndexerSettings()))
    assert sorted(engine.indexed) == ["x:t1", "x:t2"]
    assert list(rejected) == ["x:t3"]
