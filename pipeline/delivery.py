"""Produce from inside a faust agent and wait until Kafka has every record."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

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
