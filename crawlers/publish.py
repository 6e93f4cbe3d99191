"""The one Kafka producer every source publishes through.

kafka-python with acks=all and idempotence: a record counts as sent only once
every in-sync replica has it, and the producer's own retries never duplicate
it. Records are keyed by post_id so all deliveries of one post land in one
partition, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType

from kafka import KafkaProducer

from pipeline.settings import Settings, topic
from schemas import RawPost, Topic


@dataclass
class PublishReport:
    """What a publish run achieved; `sent` counts only records Kafka confirmed."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class RawPublisher:
    """Publishes to posts.raw. Use as a context manager; `flush()` waits for confirmations."""

    def __init__(self, settings: Settings) -> None:
        self.topic = topic(settings, Topic.RAW)
        self.report = PublishReport()
        self._producer = KafkaProducer(
            bootstrap_servers=settings.kafka.bootstrap_servers.split(","),
            acks="all",
            enable_idempotence=True,
            linger_ms=5,  # small batches: lower latency for live sources, still efficient for replay
            max_request_size=2 * 1024 * 1024,  # lets oversize input reach the pipeline and be dead-lettered there
            client_id="luister-publisher",
        )

    def publish_post(self, post: RawPost) -> None:
        """Publish a valid RawPost, keyed by its post_id."""
        self.publish_bytes(post.post_id.encode("utf-8"), post.to_bytes())

    def publish_bytes(self, key: bytes | None, value: bytes) -> None:
        """Publish bytes as they are (replays of captured input, malformed or not)."""
        future = self._producer.send(self.topic, key=key, value=value)
        future.add_callback(self._on_sent)
        future.add_errback(self._on_error)

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport:
        """Block until every record published so far is confirmed or failed."""
        self._producer.flush(timeout=timeout_s)
        return self.report

    def close(self) -> None:
        self._producer.close()

    def __enter__(self) -> RawPublisher:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self.flush()
        finally:
            self.close()

    def _on_sent(self, _metadata: object) -> None:
        self.report.sent += 1

    def _on_error(self, exc: BaseException) -> None:
        self.report.failed += 1
        if len(self.report.errors) < 10:
            self.report.errors.append(f"{type(exc).__name__}: {exc}")
