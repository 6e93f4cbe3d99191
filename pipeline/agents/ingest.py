"""Role 'ingest': posts.raw -> validate -> enrich -> posts.enriched (bad records -> posts.dead).

Wiring only: decoding and every decision live in processors; this module
routes outcomes to topics, holds the dedupe state in a sqlite store and makes
sure sends are acknowledged by Kafka before the batch's offsets can be committed.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime

import faust
import structlog

from pipeline.app import raw_topic
from pipeline.dedupe_store import SqliteStore
from pipeline.delivery import send_all, unfinished_batch_is_a_crash
from pipeline.dead_letter import make_dead_letter
from pipeline.observability import count
from pipeline.settings import Settings, topic
from processors.dedupe import DedupeConfig, expire
from processors.enrich import EnrichState, enrich
from processors.language import LinguaGuesser
from processors.outcome import Drop, Fail
from processors.relevance.monitors import load_monitors
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
) -> Send | Drop:
    """Decide what one raw record becomes: an enriched post, a dead letter, or a counted drop."""
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
        log.debug("dropped", reason=result.reason, key=key)
        return result
    post = result.record
    return Send(Topic.ENRICHED, post.post_id.encode("utf-8"), post.to_bytes(), "kept")


def build_state(settings: Settings, dedupe_store: MutableMapping[str, str] | None) -> EnrichState:
    """The enrich stages' state: language detector, monitors from settings, dedupe store and policy.

    Raises MonitorError (naming file, monitor and field) when the monitors file is unusable:
    a worker must not start with a broken query.
    """
    path = settings.relevance.monitors_file
    monitors = load_monitors(path.read_text(encoding="utf-8"), str(path))
    return EnrichState.build(
        LinguaGuesser(),
        monitors,
        dedupe_store=dedupe_store,
        dedupe=DedupeConfig(near_threshold=settings.dedupe.near_threshold, window_s=_window_s(settings)),
        copies=settings.dedupe.copies,
        keep_unmatched=any(m.unmatched == "keep" for m in monitors),
    )


def _window_s(settings: Settings) -> int:
    return int(settings.dedupe.window_days * 86_400)


def register(app: faust.App, settings: Settings) -> None:
    """Attach the ingest agent, its dedupe store and the store's expiry timer to the app."""
    sinks = {t: raw_topic(app, settings, t) for t in (Topic.ENRICHED, Topic.DEAD)}
    source = raw_topic(app, settings, Topic.RAW)
    # On disk under the worker's data dir, so it survives restarts (see pipeline/dedupe_store.py).
    store = SqliteStore(settings.worker.data_dir / f"{app.conf.id}-dedupe.sqlite")
    state = build_state(settings, store)

    @app.timer(interval=settings.dedupe.sweep_interval_s)
    async def expire_dedupe_state() -> None:
        removed = expire(store, datetime.now(UTC), _window_s(settings))
        store.commit()
        log.info("dedupe_expired", removed=removed, remaining=len(store))

    @app.agent(source, concurrency=1)  # >1 can commit past unprocessed records (faust-streaming #606)
    async def ingest(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.worker.batch_size, within=settings.worker.batch_window_s):
            now = datetime.now(UTC)
            routes = [
                route_raw(
                    event.value, event.key, partition=event.message.partition, offset=event.message.offset,
                    settings=settings, state=state, worker=app.conf.id, now=now,
                )
                for event in events
            ]
            store.commit()
            sends = [r for r in routes if isinstance(r, Send)]
            # The batch's offsets are acked when this body returns: only after Kafka confirmed every send.
            async with unfinished_batch_is_a_crash("ingest"):
                await send_all([(sinks[s.to], s.key, s.value) for s in sends])
            for r in routes:
                count(STAGE, r.outcome if isinstance(r, Send) else r.reason)
