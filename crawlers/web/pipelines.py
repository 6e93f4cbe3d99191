"""The item pipeline: item -> RawPost -> Kafka, once per post across crawls.

Invalid items are logged, counted ('invalid') and dropped. Posts an earlier crawl
already emitted are dropped ('already_emitted'). The rest go to ``posts.raw``
through the one ``RawPublisher``; every ``crawl.publish_batch`` posts (and at the
end) the pipeline waits for Kafka's confirmations and only then records the batch
as emitted. A batch with any unconfirmed record is not recorded at all: the next
crawl publishes it again ('publish_failed'), never loses it.
"""

from __future__ import annotations

import logging
from typing import Any

from kafka.errors import KafkaError
from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.publish import RawPublisher
from crawlers.web.outcomes import SkipReason
from crawlers.web.settings import LUISTER_PUBLISHER_KEY, LUISTER_SETTINGS_KEY
from crawlers.web.spiders.base import SiteSpider
from crawlers.web.state import EmittedStore
from pipeline.settings import Settings
from schemas import RawPost

log = logging.getLogger(__name__)


def to_raw_post(item: dict[str, Any]) -> RawPost | str:
    """The item as a RawPost, or the validation error as one line."""
    try:
        return RawPost.model_validate(item)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return errors


class RawPostPipeline:
    """Validates, deduplicates against earlier crawls, publishes and records posts."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings: Settings = crawler.settings[LUISTER_SETTINGS_KEY]
        # Built (and connected) by the entry point before the crawl starts, closed by it afterwards.
        self.publisher: RawPublisher = crawler.settings[LUISTER_PUBLISHER_KEY].value
        self.pending: list[str] = []
        self.in_run: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawPostPipeline:
        return cls(crawler)

    @property
    def spider(self) -> SiteSpider:
        spider = self.crawler.spider
        assert isinstance(spider, SiteSpider)
        return spider

    def open_spider(self) -> None:
        self.store = EmittedStore.for_site(self.settings.sources.state_dir, self.spider.site.name)
        self._sent_before = self.publisher.report.sent

    def process_item(self, item: dict[str, Any]) -> RawPost:
        post = to_raw_post(item)
        if isinstance(post, str):
            self.spider.count(f"skipped/{SkipReason.INVALID.value}")
            raise DropItem(f"invalid item {item.get('external_id')!r}: {post}", log_level="WARNING")
        if post.post_id in self.in_run or post.post_id in self.store:
            self.spider.count(f"skipped/{SkipReason.ALREADY_EMITTED.value}")
            raise DropItem(f"already emitted: {post.post_id}", log_level="DEBUG")
        self.in_run.add(post.post_id)
        try:
            self.publisher.publish_post(post)
        except KafkaError as exc:
            self.spider.count(f"skipped/{SkipReason.PUBLISH_FAILED.value}")
            raise DropItem(f"publish failed for {post.post_id}: {exc}", log_level="ERROR") from exc
        self.pending.append(post.post_id)
        if len(self.pending) >= self.settings.crawl.publish_batch:
            self.confirm()
        return post

    def confirm(self) -> None:
        """Wait for Kafka to confirm the pending batch; record it as emitted only if all of it was."""
        if not self.pending:
            return
        try:
            # Confirmation takes milliseconds on a healthy cluster; a minute means it is not healthy.
            report = self.publisher.flush(timeout_s=60.0)
        except KafkaError as exc:
            log.error("Kafka did not confirm %d posts: %s", len(self.pending), exc)
            confirmed = 0
        else:
            confirmed = report.sent - self._sent_before
            self._sent_before = report.sent
        if confirmed == len(self.pending):
            self.store.record(self.pending)
        else:
            log.error("Kafka confirmed %d of %d posts; the batch is published again next crawl",
                      confirmed, len(self.pending))
            self.spider.count(f"skipped/{SkipReason.PUBLISH_FAILED.value}", len(self.pending) - confirmed)
        self.spider.count("emitted", confirmed)
        self.pending = []

    def close_spider(self) -> None:
        try:
            self.confirm()
        finally:
            self.store.close()
