"""The contract: pydantic records that travel on Luister's topics. No I/O here."""

from schemas.alert import Alert, AlertPost, Severity
from schemas.dead_letter import DeadLetter, DeadReason
from schemas.enriched_post import INTENTS, SENTIMENTS, EnrichedPost, Judgement
from schemas.raw_post import Author, Channel, Engagement, RawPost, make_post_id
from schemas.topics import RECORD_TYPES, Topic, topic_name

__all__ = [
    "Alert", "AlertPost", "Author", "Channel", "DeadLetter", "DeadReason", "Engagement", "EnrichedPost",
    "INTENTS", "Judgement", "RECORD_TYPES", "SENTIMENTS", "RawPost", "Severity", "Topic", "make_post_id", "topic_name",
]
