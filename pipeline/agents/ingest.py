"""Role 'ingest': posts.raw -> validate -> enrich -> classify -> posts.enriched (bad records -> posts.dead).

Wiring only: decoding and every decision live in processors; this module
routes outcomes to topics, holds the dedupe state in a sqlite store, runs the
model off the event loop and makes sure sends are acknowledged by Kafka before
the batch's offsets can be committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
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
from processors.classify import stage as classify
from processors.classify.model import TextClassifier, load_classifiers
from processors.classify.priority import PriorityPolicy
from processors.dedupe import DedupeConfig, expire
from processors.enrich import EnrichState, enrich
from processors.language import LinguaGuesser
from processors.outcome import Drop, Fail, Keep
from processors.relevance.monitors import load_monitors
from processors.validate import STAGE, validate_raw
from schemas import DeadReason, EnrichedPost, Topic

log = structlog.get_logger("luister.ingest")


@dataclass(frozen=True)
class Send:
    """One record to produce: where, with which key and value, and the outcome it counts as."""

    to: Topic
    key: bytes | None
    value: bytes
    outcome: str


@dataclass(frozen=True)
class Origin:
    """Where a record came from: what a dead letter needs to carry."""

    value: bytes | None
    key: bytes | None
    partition: int | None
    offset: int | None


def route_raw(
    value: bytes | None, key: bytes | None, *, partition: int | None, offset: int | None,
    settings: Settings, state: EnrichState, worker: str, now: datetime,
) -> Send | Drop:
    """Decide what one raw record becomes without classifying it: an enriched post, a dead letter, or a drop."""
    result = process_raw(Origin(value, key, partition, offset), settings=settings, state=state, worker=worker, now=now)
    return enriched(result) if isinstance(result, EnrichedPost) else result


def process_raw(
    origin: Origin, *, settings: Settings, state: EnrichState, worker: str, now: datetime
) -> EnrichedPost | Send | Drop:
    """Validate and enrich one raw record: the enriched post (not yet classified), a dead letter, or a drop."""
    try:
        result = validate_raw(origin.value, origin.key, max_bytes=settings.worker.max_record_bytes)
        if not isinstance(result, Fail):
            result = enrich(result.record, state=state, now=now)
    except Exception as exc:  # a bug in a stage must not lose the record: park it
        log.exception("stage_error", offset=origin.offset)
        result = Fail(DeadReason.PROCESSING_ERROR, f"{type(exc).__name__}: {exc}")
    if isinstance(result, Fail):
        return dead(origin, STAGE, result, settings=settings, worker=worker, now=now)
    if isinstance(result, Drop):
        log.debug("dropped", reason=result.reason, key=origin.key)
        return result
    return result.record


async def classify_kept(
    results: Sequence[EnrichedPost | Send | Drop], origins: Sequence[Origin], *, classifier: TextClassifier | None,
    policy: PriorityPolicy, executor: Executor, settings: Settings, worker: str, now: datetime,
) -> list[Send | Drop]:
    """Classify the batch's enriched posts in one call on ``executor`` (the event loop keeps serving
    Kafka meanwhile) and turn every result into a send; without a classifier, only the latter."""
    routes: list[EnrichedPost | Send | Drop] = list(results)
    kept = [i for i, r in enumerate(results) if isinstance(r, EnrichedPost)]
    if classifier is not None and kept:
        posts = [results[i] for i in kept]
        try:
            done = await asyncio.get_running_loop().run_in_executor(
                executor, classify.classify_posts, posts, classifier, policy)
        except Exception as exc:  # a bug in the stage (not the model: that is caught per post) must not lose the batch
            log.exception("stage_error", stage=classify.STAGE, posts=len(posts))
            error = f"{classify.STAGE}: {type(exc).__name__}: {exc}"
            done = classify.Classified([Fail(DeadReason.PROCESSING_ERROR, error)] * len(posts), error)
        if done.batch_error:
            log.warning("classify_batch_failed", posts=len(posts), error=done.batch_error[:300])
        for i, outcome in zip(kept, done.outcomes, strict=True):
            routes[i] = outcome.record if isinstance(outcome, Keep) else dead(
                origins[i], classify.STAGE, outcome, settings=settings, worker=worker, now=now)
        failed = sum(isinstance(o, Fail) for o in done.outcomes)
        count(classify.STAGE, "kept", len(posts) - failed)
        count(classify.STAGE, "dead", failed)
    return [enriched(r) if isinstance(r, EnrichedPost) else r for r in routes]


def enriched(post: EnrichedPost) -> Send:
    """The send of a finished post to posts.enriched, keyed by post_id."""
    return Send(Topic.ENRICHED, post.post_id.encode("utf-8"), post.to_bytes(), "kept")


def dead(origin: Origin, stage: str, fail: Fail, *, settings: Settings, worker: str, now: datetime) -> Send:
    """The send of a dead letter for a record one stage failed."""
    letter = make_dead_letter(
        origin.value, origin.key, stage=stage, reason=fail.reason, error=fail.error,
        topic=topic(settings, Topic.RAW), partition=origin.partition, offset=origin.offset,
        worker=worker, keep_bytes=settings.worker.dead_letter_payload_bytes, now=now,
    )
    log.warning("dead_letter", stage=stage, reason=fail.reason.value, error=fail.error[:300], offset=origin.offset)
    return Send(Topic.DEAD, origin.key, letter.to_bytes(), "dead")


def build_classifier(settings: Settings) -> TextClassifier | None:
    """The classifier the settings name, loaded once at worker start; None when classify is off.

    Raises ModelError (with what to do) when a model is missing or unusable: a worker must not
    start and leave every post unclassified.
    """
    if not settings.classify.enabled:
        return None
    return load_classifiers(settings.classify.model, settings.classify.intent_model,
                            **settings.classify.model_options())


def priority_policy(settings: Settings, state: EnrichState) -> PriorityPolicy:
    """Every monitor's owned accounts and the influencer threshold, for the priority rule."""
    owned = frozenset(h for m in state.monitors for h in m.owned_accounts)
    return PriorityPolicy(owned_accounts=owned, influencer_followers=settings.classify.influencer_followers)


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
    classifier = build_classifier(settings)
    policy = priority_policy(settings, state)
    # One thread: model calls run one at a time, in order, and never on the event loop.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="luister-classify")

    @app.timer(interval=settings.dedupe.sweep_interval_s)
    async def expire_dedupe_state() -> None:
        removed = expire(store, datetime.now(UTC), _window_s(settings))
        store.commit()
        log.info("dedupe_expired", removed=removed, remaining=len(store))

    @app.agent(source, concurrency=1)  # >1 can commit past unprocessed records (faust-streaming #606)
    async def ingest(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.worker.batch_size, within=settings.worker.batch_window_s):
            now = datetime.now(UTC)
            origins = [Origin(e.value, e.key, e.message.partition, e.message.offset) for e in events]
            results = [process_raw(o, settings=settings, state=state, worker=app.conf.id, now=now) for o in origins]
            store.commit()
            # The batch's offsets are acked when this body returns: only after Kafka confirmed every send.
            async with unfinished_batch_is_a_crash("ingest"):
                routes = await classify_kept(results, origins, classifier=classifier, policy=policy,
                                             executor=executor, settings=settings, worker=app.conf.id, now=now)
                sends = [r for r in routes if isinstance(r, Send)]
                await send_all([(sinks[s.to], s.key, s.value) for s in sends])
            for r in routes:
                count(STAGE, r.outcome if isinstance(r, Send) else r.reason)
