"""EnrichedPost: a RawPost after the processing stages (topic ``posts.enriched``)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.raw_post import MAX_TEXT_CHARS, RawPost


class EnrichedPost(RawPost):
    """Every field of the RawPost plus what the processing stages added.

    Fields are added here as stages are built (normalize, dedupe, relevance,
    classify); additions are backward compatible for readers.
    """

    schema_version: Literal[1] = Field(1, description="Version of this record's schema.")
    text: str = Field(
        ...,
        max_length=MAX_TEXT_CHARS,
        description="The post's text cleaned by the normalize stage: HTML removed, mojibake repaired, "
        "Unicode NFC, whitespace collapsed. The source's original is on posts.raw.",
    )
    mentions: list[str] = Field(
        default_factory=list,
        description="Accounts mentioned: those the source reported plus every @handle in the text "
        "(lower-case, without '@').",
    )
    lang: str = Field(
        "und",
        description="Language of the post (ISO 639-1): the source's tag when it gave one, else detected; "
        "'und' when the text is too short or unclear to tell.",
    )
    hashtags: list[str] = Field(
        default_factory=list, description="Hashtags in the text, lower-case without diacritics, without '#'."
    )
    links: list[str] = Field(
        default_factory=list, description="Links in the text, canonical: no tracking parameters or fragment."
    )
    fingerprint: str = Field(
        "",
        description="sha1 of the post's folded words without retweet prefix, links and mentions: "
        "posts with equal fingerprints are copies of one another.",
    )
    enriched_at: AwareDatetime = Field(..., description="When the processing stages finished with the post.")
    stages: list[str] = Field(
        ..., description="Names of the processing stages the post went through, in order (e.g. ['validate'])."
    )
