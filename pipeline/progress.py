"""How far the workers are: consumer-group lag read from Kafka; what landed on a topic (dead letters, alerts)."""

from __future__ import annotations

import json
from collections import Counter

from kafka import KafkaConsumer, TopicPartition

from pipeline.settings import Settings, topic
from schemas import RECORD_TYPES, DeadLetter, Topic
from schemas.base import Record


def group_id(settings: Settings, role: str) -> str:
    """The consumer group of a worker role (faust uses the app id)."""
    return f"{settings.kafka.topic_prefix}{settings.worker.app_id}-{role}"


def _partitions(consumer: KafkaConsumer, name: str) -> list[TopicPartition]:
    return [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or [])]


def end_offsets(settings: Settings, base: Topic) -> dict[int, int]:
    """{partition: end offset} of one topic."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers.split(","))
    try:
        tps = _partitions(consumer, topic(settings, base))
        return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def lag(settings: Settings, role: str, base: Topic) -> int:
    """Records in a topic not yet committed by a role's consumer group."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers.split(","),
        group_id=group_id(settings, role),
        enable_auto_commit=False,
    )
    try:
        tps = _partitions(consumer, topic(settings, base))
        ends = consumer.end_offsets(tps)
        return sum(max(0, ends[tp] - (consumer.committed(tp) or 0)) for tp in tps)
    finally:
        consumer.close()


def read_dead_letters(settings: Settings, since: dict[int, int] | None = None) -> list[DeadLetter]:
    """Dead letters from `since` ({partition: offset}, default the beginning) up to now."""
    return read_records(settings, Topic.DEAD, since)


def read_records(settings: Settings, base: Topic, since: dict[int, int] | None = None) -> list[Record]:
    """The records of one of Luister's topics from `since` ({partition: offset}, default the beginning)
    up to now, as that topic's record type."""
    name = topic(settings, base)
    record_type = RECORD_TYPES[base]
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers.split(","),
        enable_auto_commit=False,
        consumer_timeout_ms=2_000,
    )
    try:
        tps = _partitions(consumer, name)
        consumer.assign(tps)
        ends = consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, (since or {}).get(tp.partition, 0))
        records: list[Record] = []
        remaining = {tp for tp in tps if consumer.position(tp) < ends[tp]}
        while remaining:
            batch = consumer.poll(timeout_ms=1_000)
            if not batch and all(consumer.position(tp) >= ends[tp] for tp in remaining):
                break
            for tp, polled in batch.items():
                for record in polled:
                    if record.offset < ends[tp]:
                        records.append(record_type.model_validate(json.loads(record.value)))
            remaining = {tp for tp in remaining if consumer.position(tp) < ends[tp]}
        return records
    finally:
        consumer.close()


def count_reasons(letters: list[DeadLetter]) -> dict[str, int]:
    """Dead letters per reason, most common first."""
    return dict(Counter(letter.reason.value for letter in letters).most_common())
