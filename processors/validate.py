"""Stage 'validate': raw bytes from ``posts.raw`` to a RawPost, or a reasoned failure."""

from __future__ import annotations

import json

from pydantic import ValidationError

from processors.outcome import Fail, Keep
from schemas import DeadReason, RawPost

STAGE = "validate"


def validate_raw(value: bytes | None, key: bytes | None, *, max_bytes: int) -> Keep[RawPost] | Fail:
    """Decode one raw record into a RawPost.

    Checks, in order: size (``max_bytes``), UTF-8, JSON object, the RawPost
    schema, and that the Kafka key (when present) equals the post_id, because
    the key decides the partition and so the order of a post's redeliveries.
    Never raises for bad input: every problem is a ``Fail`` with a reason from
    ``DeadReason`` and an error a person can act on.
    """
    if value is None:
        return Fail(DeadReason.INVALID_JSON, "record has no value (tombstone) on a topic of posts")
    if len(value) > max_bytes:
        return Fail(DeadReason.TOO_LARGE, f"record is {len(value)} bytes; the limit is {max_bytes}")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Fail(DeadReason.INVALID_UTF8, f"record is not valid UTF-8: {exc}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Fail(DeadReason.INVALID_JSON, f"record is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return Fail(DeadReason.INVALID_JSON, f"record is JSON {type(data).__name__}, expected an object")
    try:
        post = RawPost.model_validate(data)
    except ValidationError as exc:
        return Fail(DeadReason.INVALID_SCHEMA, _describe(exc))
    if key is not None and key != post.post_id.encode("utf-8"):
        shown = key[:200].decode("utf-8", "replace")
        return Fail(DeadReason.KEY_MISMATCH, f"Kafka key {shown!r} differs from post_id {post.post_id!r}")
    return Keep(post)


def _describe(exc: ValidationError) -> str:
    """'field: message' for every error, input values left out (they may be huge or personal)."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err["loc"]) or "(record)"
        parts.append(f"{where}: {err['msg']}")
    return "invalid RawPost: " + "; ".join(parts)
