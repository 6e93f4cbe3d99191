"""Build DeadLetter records: the original bytes plus who, where, when and why."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

from schemas import DeadLetter, DeadReason


def make_dead_letter(
    value: bytes | None,
    key: bytes | None,
    *,
    stage: str,
    reason: DeadReason,
    error: str,
    topic: str,
    partition: int | None,
    offset: int | None,
    worker: str,
    keep_bytes: int,
    now: datetime,
) -> DeadLetter:
    """A DeadLetter for one record. At most ``keep_bytes`` of the value are
    kept (with the full size and sha256) so the dead letter itself always fits
    under Kafka's message size limit."""
    payload = value or b""
    return DeadLetter(
        stage=stage,
        reason=reason,
        error=error[:4_000],
        topic=topic,
        partition=partition,
        offset=offset,
        key_b64=base64.b64encode(key).decode("ascii") if key is not None else None,
        payload_b64=base64.b64encode(payload[:keep_bytes]).decode("ascii"),
        payload_size=len(payload),
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        payload_truncated=len(payload) > keep_bytes,
        failed_at=now,
        worker=worker,
    )


def dead_letter_of(event: Any, *, stage: str, reason: DeadReason, error: str, topic: str, worker: str,
                   keep_bytes: int) -> DeadLetter:
    """The DeadLetter for a record a faust agent read (``event``: its value, key, partition and offset)."""
    return make_dead_letter(
        event.value, event.key, stage=stage, reason=reason, error=error, topic=topic,
        partition=event.message.partition, offset=event.message.offset, worker=worker,
        keep_bytes=keep_bytes, now=datetime.now(UTC),
    )
