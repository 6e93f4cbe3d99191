"""The composition of processing stages between ``posts.raw`` and ``posts.enriched``.

Each stage is a pure function; this module only chains them. Later stages
(normalize, dedupe, relevance, classify) slot in as one line each in
``enrich`` below.
"""

from __future__ import annotations

from datetime import datetime

from processors.outcome import Drop, Fail, Keep
from schemas import EnrichedPost, RawPost


def enrich(post: RawPost, *, now: datetime) -> Keep[EnrichedPost] | Drop | Fail:
    """Run the enrichment stages over one valid RawPost.

    ``now`` is passed in (not read from the clock) so the result is a pure
    function of its inputs. Returns the EnrichedPost, or why it was dropped.
    """
    stages = ["validate"]
    return Keep(EnrichedPost(**post.model_dump(), enriched_at=now, stages=stages))
