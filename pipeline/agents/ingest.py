"""Role 'ingest': posts.raw -> validate -> enrich -> posts.enriched (bad records -> posts.dead).

Wiring only: decoding and every decision live in processors; this module
routes outcomes to topics and makes sure sends are acknowledged by Kafka
before the batch's offsets can be committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import faust
import structlog

from pipeline.app import raw_topic
from pipeline.delivery import send_all
from pipeline.dead_letter import make_dead_letter
from pipeline.observability import count
from pipeline.settings import Settings, topic
from processors.enrich import EnrichState, enrich
from processors.language import LinguaGuesser
from processors.outcome import Drop, Fail
from processors.validate import STAGE, validate_raw
from schemas import DeadReason, Topic

log = structlog.get_logger("luister.ingest")


@dataclass(frozen=True)
class Send:
    """One record to produce: where, with which key and value, and the outcome it counts as."""

    to: Topic
    key: bytes | None
    value: bytes
    outcome: str


def route_raw(
    value: bytes | None, key: bytes | None, *, partition: int | None, offset: int | None,
    settings: Settings, state: EnrichState, worker: str, now: datetime,
) -> Send | None:
    """Decide what one raw record becomes: an enriched post, a dead letter, or nothing (dropped)."""
    try:
        result = validate_raw(value, key, max_bytes=settings.worker.max_record_bytes)
        if not isinstance(result, Fail):
            result = enrich(result.record, state=state, now=now)
    except Exception as exc:  # a bug in a stage must not lose the record: park it
        log.exception("stage_error", offset=offset)
        result = Fail(DeadReason.PROCESSING_ERROR, f"{type(exc).__name__}: {exc}")
    if isinstance(result, Fail):
        dead = make_dead_letter(
            value, key, stage=STAGE, reason=result.reason, error=result.error,
            topic=topic(settings, Topic.RAW), partition=partition, offset=offset,
            worker=worker, keep_bytes=settings.worker.dead_letter_payload_bytes, now=now,
        )
        log.warning("dead_letter", stage=STAGE, reason=result.reason.value, error=result.error[:300], offset=offset)
        return Send(Topic.DEAD, key, dead.to_bytes(), "dead")
    if isinstance(result, Drop):
        log.info("dropped", reason=result.reason, key=key)
        return None
    post = result.record
    return Send(Topic.ENRICHED, post.post_id.encode("utf-8"), post.to_bytes(), "kept")


def register(app: faust.App, settings: Settings) -> None:
    """Attach the ingest agent to the app."""
    sinks = {t: raw_topic(app, settings, t) for t in (Topic.ENRICHED, Topic.DEAD)}
    source = raw_topic(app, settings, Topic.RAW)
    state = EnrichState(guesser=LinguaGuesser())

    @app.agent(source, concurrency=1)  # >1 can commit past unprocessed records (faust-streaming #606)
    async def ingest(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.worker.batch_size, within=settings.worker.batch_window_s):
            now = datetime.now(UTC)
            sends = [
                route_raw(
                    event.value, event.key, partition=event.message.partition, offset=event.message.offset,
                    settings=settings, state=state, worker=app.conf.id, now=now,
                )
                for event in events
            ]
            # The batch's offsets are acked when this body returns: only after Kafka confirmed every send.
            await send_all([(sinks[s.to], s.key, s.value) for s in sends if s is not None])
            for s in sends:
                count(STAGE, s.outcome if s is not None else "dropped")
