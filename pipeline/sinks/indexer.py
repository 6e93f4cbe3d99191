"""Role 'indexer': posts.enriched -> the search engine, in bulk, with _id = post_id.

Guarantee: a batch's offsets are acked only after every post in it is
indexed or dead-lettered. The engine being down or overloaded blocks the
batch (retry with back-off, never skip), so an outage becomes Kafka backlog,
not loss; redelivery after a crash overwrites the same _id, so nothing is
indexed twice.
"""

from __future__ import annotations

import asyncio

import faust
import structlog
from pydantic import ValidationError

from pipeline.app import raw_topic
from pipeline.dead_letter import dead_letter_of
from pipeline.delivery import send_all, unfinished_batch_is_a_crash
from pipeline.observability import count
from pipeline.search import LayoutError, LifecycleUnsupported, SearchClient, SearchUnavailable, connect, index_posts, setup_indices
from pipeline.settings import IndexerSettings, Settings, topic
from schemas import DeadReason, EnrichedPost, Topic

STAGE = "index"
log = structlog.get_logger("luister.indexer")


async def index_until_done(
    client: SearchClient, prefix: str, posts: list[EnrichedPost], conf: IndexerSettings
) -> dict[str, str]:
    """Index posts (each into its monthly index), retrying what the engine could not take yet until it takes it.

    Returns {post_id: reason} for posts the engine rejected for their content
    (those can never succeed and go to the dead-letter topic).
    """
    rejected: dict[str, str] = {}
    pending, delay = posts, conf.retry_initial_s
    while pending:
        try:
            outcome = await asyncio.to_thread(index_posts, client, prefix, pending)
        except SearchUnavailable as exc:
            log.warning("engine_unavailable_retrying", error=str(exc)[:300], posts=len(pending), delay_s=delay)
        else:
            rejected.update(outcome.rejected)
            count(STAGE, "indexed", len(outcome.indexed))
            retry = set(outcome.retry)
            pending = [p for p in pending if p.post_id in retry]
            if not pending:
                break
            count(STAGE, "retried", len(pending))
            log.warning("bulk_items_retrying", posts=len(pending), delay_s=delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, conf.retry_max_s)
    return rejected


async def ensure_indices(client: SearchClient, settings: Settings) -> None:
    """Install the templates, this month's indices and the retention policy, waiting for the engine
    as long as it takes. An engine without lifecycle management is told once in the log."""
    conf, prefix = settings.indexer, settings.search.index_prefix
    delay = conf.retry_initial_s
    while True:
        try:
            await asyncio.to_thread(setup_indices, client, prefix, retention_days=settings.search.retention_days)
            return
        except LifecycleUnsupported as exc:
            log.warning("retention_not_enforced", reason=str(exc), fix="run `luister es prune` daily")
            return
        except LayoutError:
            raise  # waiting does not fix it: a person must (the message says how)
        except Exception as exc:  # any failure here (engine down, starting up) is retried, and logged
            log.warning("index_setup_retrying", error=f"{type(exc).__name__}: {str(exc)[:300]}", delay_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, conf.retry_max_s)


def register(app: faust.App, settings: Settings) -> None:
    """Attach the indexer agent to the app."""
    source = raw_topic(app, settings, Topic.ENRICHED)
    dead = raw_topic(app, settings, Topic.DEAD)
    client = connect(settings.search)
    conf = settings.indexer

    def dead_letter(event: faust.EventT, reason: DeadReason, error: str) -> tuple[faust.TopicT, bytes | None, bytes]:
        letter = dead_letter_of(event, stage=STAGE, reason=reason, error=error, topic=topic(settings, Topic.ENRICHED),
                                worker=app.conf.id, keep_bytes=settings.worker.dead_letter_payload_bytes)
        log.warning("dead_letter", stage=STAGE, reason=reason.value, error=error[:300])
        return (dead, event.key, letter.to_bytes())

    @app.agent(source, concurrency=1)  # >1 can commit past unprocessed records (faust-streaming #606)
    async def index(stream: faust.StreamT) -> None:
        await ensure_indices(client, settings)
        async for events in stream.take_events(conf.batch_size, within=conf.flush_interval_s):
            letters, latest = [], {}
            for event in events:
                try:
                    post = EnrichedPost.model_validate_json(event.value)
                except (ValidationError, ValueError, TypeError) as exc:
                    letters.append(dead_letter(event, DeadReason.INVALID_SCHEMA, f"invalid EnrichedPost: {exc}"))
                    continue
                latest[post.post_id] = (post, event)  # a redelivered post in one batch is indexed once
            async with unfinished_batch_is_a_crash("indexer"):
                posts = [post for post, _ in latest.values()]
                rejected = await index_until_done(client, settings.search.index_prefix, posts, conf)
                letters += [
                    dead_letter(latest[pid][1], DeadReason.REJECTED_BY_ENGINE, why) for pid, why in rejected.items()
                ]
                await send_all(letters)
            count(STAGE, "dead", len(letters))

