"""DeadLetter: a record a stage could not process, with the reason (topic ``posts.dead``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import Record


class DeadReason(StrEnum):
    """Why a record was dead-lettered; a fixed vocabulary for logs, metrics and replay."""

    TOO_LARGE = "too_large"
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    INVALID_SCHEMA = "invalid_schema"
    KEY_MISMATCH = "key_mismatch"
    REJECTED_BY_ENGINE = "rejected_by_engine"
    REFUSED_BY_RECEIVER = "refused_by_receiver"  # Slack or a webhook refused an alert for good (e.g. 404)
    PROCESSING_ERROR = "processing_error"  # a bug in a stage: fix it, then replay the dead letter


class DeadLetter(Record):
    """The original bytes of a failed record plus who failed it, where, when and why."""

    schema_version: Literal[1] = Field(1, description="Version of this record's schema.")
    stage: str = Field(..., description="The stage that failed the record (e.g. 'validate', 'index').")
    reason: DeadReason = Field(..., description="Why it failed, from a fixed vocabulary.")
    error: str = Field(..., max_length=4_000, description="A human-readable explanation of the failure.")
    topic: str = Field(..., description="The topic the record was read from.")
    partition: int | None = Field(None, ge=0, description="Its partition, when known.")
    offset: int | None = Field(None, ge=0, description="Its offset, when known.")
    key_b64: str | None = Field(None, description="The original Kafka key, base64.")
    payload_b64: str = Field(
        ..., description="The original value, base64; cut to the first bytes when payload_truncated."
    )
    payload_size: int = Field(..., ge=0, description="Size of the original value in bytes.")
    payload_sha256: str = Field(..., description="sha256 (hex) of the whole original value.")
    payload_truncated: bool = Field(..., description="Whether payload_b64 holds only the start of the value.")
    failed_at: AwareDatetime = Field(..., description="When the stage gave up on the record.")
    worker: str = Field(..., description="The worker (app id and role) that dead-lettered it.")
