"""Smoke test of the local stack: each client Luister uses talks to the real servers.

Kafka 4 removed old protocol versions (KIP-896), so every Kafka client (kafka-python,
aiokafka, faust-streaming) proves here that it can produce and consume against the
broker; opensearch-py proves one index/refresh/get round trip. Each test uses its own
topic / index, so the tests can run against a stack that already holds other data.
"""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.integration

TIMEOUT_S = 60


def test_kafka_python_produces_and_consumes(stack, settings, unique):
    from kafka import KafkaConsumer, KafkaProducer

    topic = unique("smoke-kafka-python")
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
    producer.send(topic, key=b"k", value=b"hello kafka-python").get(timeout=TIMEOUT_S)
    producer.close()

    consumer = KafkaConsumer(topic, bootstrap_servers=settings.kafka.bootstrap_servers, group_id=topic,
                             auto_offset_reset="earliest", consumer_timeout_ms=TIMEOUT_S * 1000)
    try:
        record = next(iter(consumer))
    finally:
        consumer.close()
    assert (record.key, record.value) == (b"k", b"hello kafka-python")


def test_aiokafka_produces_and_consumes(stack, settings, unique):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = unique("smoke-aiokafka")

    async def round_trip():
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, key=b"k", value=b"hello aiokafka")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka.bootstrap_servers,
                                    group_id=topic, auto_offset_reset="earliest")
        await consumer.start()
        try:
            return await asyncio.wait_for(consumer.getone(), TIMEOUT_S)
        finally:
            await consumer.stop()

    record = asyncio.run(round_trip())
    assert (record.key, record.value) == (b"k", b"hello aiokafka")


def test_faust_agent_consumes_what_faust_produces(stack, settings, unique, tmp_path):
    import faust

    name = unique("smoke-faust")

    async def round_trip():
        app = faust.App(name, broker=f"kafka://{settings.kafka.bootstrap_servers}", web_enabled=False,
                        store="memory://", datadir=str(tmp_path), topic_partitions=1)
        # internal=True: faust creates the topic when it subscribes; it never creates a
        # plain source topic, and subscribing to a missing one waits forever.
        topic = app.topic(name, value_serializer="raw", internal=True)
        received: asyncio.Queue[bytes] = asyncio.Queue()

        @app.agent(topic, concurrency=1)
        async def collect(stream):
            async for value in stream:
                await received.put(value)

        await app.start()
        try:
            await topic.send(value=b"hello faust")
            return await asyncio.wait_for(received.get(), TIMEOUT_S)
        finally:
            await app.stop()

    assert asyncio.run(round_trip()) == b"hello faust"


def test_opensearch_py_indexes_and_gets(stack, settings, unique):
    from opensearchpy import OpenSearch

    client = OpenSearch(settings.search.url, timeout=TIMEOUT_S)
    index = unique("smoke-search")
    try:
        client.index(index=index, id="1", body={"text": "Goedemorgen, de trein is weer te laat."})
        client.indices.refresh(index=index)
        assert client.get(index=index, id="1")["_source"]["text"].startswith("Goedemorgen")
        assert client.count(index=index, body={"query": {"match": {"text": "trein"}}})["count"] == 1
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
        client.close()
