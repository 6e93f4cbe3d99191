"""The one home of topic names and of the record type each topic carries."""

from __future__ import annotations

from enum import StrEnum

from schemas.alert import Alert
from schemas.base import Record
from schemas.dead_letter import DeadLetter
from schemas.enriched_post import EnrichedPost
from schemas.raw_post import RawPost


class Topic(StrEnum):
    """Base names of Luister's topics; deployments prepend a configurable prefix."""

    RAW = "posts.raw"
    ENRICHED = "posts.enriched"
    DEAD = "posts.dead"
    ALERTS = "alerts"


RECORD_TYPES: dict[Topic, type[Record]] = {
    Topic.RAW: RawPost,
    Topic.ENRICHED: EnrichedPost,
    Topic.DEAD: DeadLetter,
    Topic.ALERTS: Alert,
}


def topic_name(topic: Topic, prefix: str = "") -> str:
    """The full name of a topic under a deployment prefix."""
    return f"{prefix}{topic.value}"
