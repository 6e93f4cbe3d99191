"""The item pipeline's bookkeeping: a post is recorded as emitted only after Kafka confirmed it.

A stand-in publisher plays Kafka's part here; tests/integration/test_crawl.py runs the
same pipeline against the real broker.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem

from crawlers.publish import PublishReport
from crawlers.web.pipelines import RawPostPipeline
from crawlers.web.settings import scrapy_settings
from crawlers.web.sites import SITES
from crawlers.web.spiders import SPIDERS
from crawlers.web.state import EmittedStore
from pipeline.settings import Settings
from schemas import RawPost


class StandInPublisher:
    """Confirms every record, or none when ``confirm`` is False (Kafka down mid-crawl)."""

    def __init__(self, confirm: bool = True) -> None:
        self.confirm = confirm
        self.report = PublishReport()
        self.published: list[str] = []
        self.unconfirmed = 0

    def publish_post(self, post: RawPost) -> None:
        self.published.append(post.post_id)
        self.unconfirmed += 1

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport:
        if self.confirm:
            self.report.sent += self.unconfirmed
        else:
            self.report.failed += self.unconfirmed
        self.unconfirmed = 0
        return self.report


def item(n: int, text: str = "Golf heeft weer bereik.") -> dict:
    return {
        "source": "forum.prikbord", "external_id": str(n), "channel": "forum", "text": text,
        "published_at": "2026-11-07T08:12:00+01:00", "fetched_at": "2026-11-25T10:00:00+01:00",
    }  # fmt: skip


def open_pipeline(tmp_path: Path, publisher: StandInPublisher, batch: int = 2) -> RawPostPipeline:
    settings = Settings()
    settings.sources.state_dir = tmp_path
    settings.crawl.publish_batch = batch
    # What the pipeline uses of a Crawler: its settings and its spider (no engine, no reactor).
    spider = SPIDERS["forum"](site=SITES["prikbord"])
    crawler = SimpleNamespace(settings=scrapy_settings(settings, publisher), spider=spider)
    pipeline = RawPostPipeline.from_crawler(crawler)  # type: ignore[arg-type]
    pipeline.open_spider()
    return pipeline


def emitted(tmp_path: Path) -> set[str]:
    with EmittedStore.for_site(tmp_path, "prikbord") as store:
        return {f"forum.prikbord:{n}" for n in range(10) if f"forum.prikbord:{n}" in store}


def test_confirmed_posts_are_recorded_and_not_published_again(tmp_path: Path) -> None:
    publisher = StandInPublisher()
    pipeline = open_pipeline(tmp_path, publisher)
    for n in (1, 2, 3):
        pipeline.process_item(item(n))
    with pytest.raises(DropItem):
        pipeline.process_item(item(1))  # the same post twice in one crawl
    pipeline.close_spider()
    assert publisher.published == ["forum.prikbord:1", "forum.prikbord:2", "forum.prikbord:3"]
    assert emitted(tmp_path) == {"forum.prikbord:1", "forum.prikbord:2", "forum.prikbord:3"}
    assert pipeline.spider.counts == {"emitted": 3, "skipped/already_emitted": 1}

    again = open_pipeline(tmp_path, StandInPublisher())
    with pytest.raises(DropItem, match="already emitted"):
        again.process_item(item(2))
    again.close_spider()


def test_unconfirmed_posts_are_not_recorded(tmp_path: Path) -> None:
    pipeline = open_pipeline(tmp_path, StandInPublisher(confirm=False))
    for n in (1, 2, 3):
        pipeline.process_item(item(n))
    pipeline.close_spider()
    assert emitted(tmp_path) == set()  # the next crawl publishes them again
    assert pipeline.spider.counts == {"emitted": 0, "skipped/publish_failed": 3}


def test_invalid_item_is_counted_and_dropped(tmp_path: Path) -> None:
    publisher = StandInPublisher()
    pipeline = open_pipeline(tmp_path, publisher)
    with pytest.raises(DropItem, match="invalid"):
        pipeline.process_item(item(1, text="x" * 60_000))
    pipeline.close_spider()
    assert publisher.published == []
    assert pipeline.spider.counts == {"skipped/invalid": 1}
