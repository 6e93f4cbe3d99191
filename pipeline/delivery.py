"""Produce from inside a faust agent and wait until Kafka has every record."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Sequence

import faust
import structlog

log = structlog.get_logger("luister.delivery")

# Back-off between attempts when the broker refuses or times out a send; capped
# so a recovered broker is used within seconds.
_BACKOFF_START_S = 0.5
_BACKOFF_MAX_S = 15.0


async def send_all(records: Sequence[tuple[faust.TopicT, bytes | None, bytes]]) -> None:
    """Send (topic, key, value) records and return once the broker acknowledged all of them.

    Failed sends are retried with back-off until they succeed, never skipped:
    returning means the records are durable, so the caller may ack its input.
    A retry after an unclear failure can produce a record twice; every
    consumer's effect is idempotent (keyed by post_id), so that never shows.
    """
    remaining = list(records)
    delay = _BACKOFF_START_S
    while remaining:
        futures = [await t.send(key=k, value=v) for t, k, v in remaining]
        results = await asyncio.gather(*futures, return_exceptions=True)
        failed = [rec for rec, res in zip(remaining, results, strict=True) if isinstance(res, BaseException)]
        if failed:
            first = next(res for res in results if isinstance(res, BaseException))
            log.warning("send_failed_retrying", failed=len(failed), error=repr(first), delay_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _BACKOFF_MAX_S)
        remaining = failed


@contextlib.asynccontextmanager
async def unfinished_batch_is_a_crash(role: str) -> AsyncIterator[None]:
    """Around the body of a `take_events` loop: a stop in the middle of a batch ends the process at once.

    faust's `take_events` acks the batch it yielded in a `finally` (faust-streaming 0.15.3,
    streams.py), so when a graceful stop (SIGTERM) cancels the agent while it waits for
    Kafka or the engine, the unfinished batch would be acked, committed on shutdown and
    lost. Exiting without that commit turns the stop into a crash: the batch is delivered
    again after the restart, and every effect is idempotent.
    """
    try:
        yield
    except asyncio.CancelledError:
        log.warning("stopped_mid_batch", role=role, action="exit without committing; the batch is redelivered")
        logging.shutdown()
        os._exit(3)
