"""EnrichedPost: a RawPost after the processing stages (topic ``posts.enriched``)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.raw_post import RawPost


class EnrichedPost(RawPost):
    """Every field of the RawPost plus what the processing stages added.

    Fields are added here as stages are built (normalize, dedupe, relevance,
    classify); additions are backward compatible for readers.
    """

    schema_version: Literal[1] = Field(1, description="Version of this record's schema.")
    enriched_at: AwareDatetime = Field(..., description="When the processing stages finished with the post.")
    stages: list[str] = Field(
        ..., description="Names of the processing stages the post went through, in order (e.g. ['validate'])."
    )
