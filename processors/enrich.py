"""The composition of processing stages between ``posts.raw`` and ``posts.enriched``.

Each stage is a pure function; this module only chains them and carries the
explicit state they need (``EnrichState``). Later stages (dedupe, relevance,
classify) slot in as a line each in ``enrich`` below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from processors.normalize import LanguageGuesser, normalize
from processors.outcome import Drop, Fail, Keep
from schemas import EnrichedPost, RawPost


@dataclass(frozen=True)
class EnrichState:
    """What the stages need besides the post: built once per worker, passed to every call."""

    guesser: LanguageGuesser


def enrich(post: RawPost, *, state: EnrichState, now: datetime) -> Keep[EnrichedPost] | Drop | Fail:
    """Run the enrichment stages over one valid RawPost.

    ``now`` is passed in (not read from the clock) so the result is a pure
    function of its inputs. Returns the EnrichedPost, or why it was dropped.
    """
    norm = normalize(post.text, post.title, post.language, state.guesser)
    fields = post.model_dump()
    fields.update(
        text=norm.text,
        mentions=list(dict.fromkeys([m.lower() for m in post.mentions] + list(norm.mentions))),
        lang=norm.lang,
        hashtags=list(norm.hashtags),
        links=list(norm.links),
        fingerprint=norm.fingerprint,
        enriched_at=now,
        stages=["validate", "normalize"],
    )
    return Keep(EnrichedPost(**fields))
