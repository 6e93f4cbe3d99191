"""EnrichedPost: a RawPost after the processing stages (topic ``posts.enriched``)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.raw_post import MAX_TEXT_CHARS, RawPost

# The classify stage's vocabularies: what a model's own labels are mapped to.
SENTIMENTS = ("positive", "neutral", "negative")
INTENTS = ("question", "complaint", "compliment", "other")


class Judgement(BaseModel):
    """One classification of a post: the label a model chose, how sure it was, and which model."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    label: str = Field(
        ...,
        description="The chosen label: for sentiment one of 'positive', 'neutral', 'negative'; for intent one of "
        "'question', 'complaint', 'compliment', 'other'.",
    )
    score: float = Field(
        ..., ge=0, le=1, description="The model's probability for the label (summed over the model's own labels "
        "that map to it)."
    )
    model: str = Field(..., description="The model that judged: a local model directory or a hub model id.")


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
    duplicate: Literal["original", "copy", "near_duplicate"] = Field(
        "original",
        description="'original' for the first post with this content; 'copy' when an earlier post had the same "
        "normalized content (retweet, copy-paste, syndicated press release); 'near_duplicate' when an earlier "
        "post told the same story with small edits (MinHash similarity above the configured threshold).",
    )
    duplicate_of: str | None = Field(
        None, description="post_id of the original this post copies or nearly copies; None for originals."
    )
    cluster_id: str | None = Field(
        None,
        description="Id of the group of copies this post belongs to (the post_id of the group's original); "
        "None for an original nothing has copied yet.",
    )
    similarity: float | None = Field(
        None, ge=0, le=1, description="Estimated Jaccard similarity to the original (near-duplicates only)."
    )
    monitors: list[str] = Field(
        default_factory=list,
        description="Ids of the monitors whose query the post matches, plus those whose owned accounts wrote it "
        "or are addressed by it (a DM to the brand need not name it; response times are measured from the "
        "brand's replies).",
    )
    competitors: list[str] = Field(
        default_factory=list,
        description="Ids of the competitors whose query the post matches (ids are unique in the monitors file; "
        "a post about a competitor alone is relevant too: share of voice).",
    )
    proactive: bool = Field(
        False,
        description="True when the post matches a monitor's brand without being written by, addressed to "
        "or replying to one of that monitor's owned accounts: a chance for proactive webcare.",
    )
    owned: bool = Field(
        False,
        description="True when one of the owned accounts of a monitor the post belongs to wrote it: the brand's "
        "own post (its replies, announcements), which reports and dashboards leave out of the mentions.",
    )
    sentiment: Judgement | None = Field(
        None,
        description="Sentiment of the post (positive / neutral / negative); None when the post was not "
        "classified (classify stage off, empty text, or a model without sentiment labels).",
    )
    intent: Judgement | None = Field(
        None,
        description="What the author wants from the brand (question / complaint / compliment / other); None when "
        "the post was not classified or the model has no intent labels.",
    )
    priority: Literal["high", "normal", "low"] = Field(
        "normal",
        description="Webcare triage derived from sentiment, intent, reach and addressing: 'high' for a negative "
        "complaint sent to the brand's own account or from an author with many followers, 'low' for the brand's "
        "own posts and for posts that want nothing and are not negative, 'normal' otherwise "
        "(see processors/classify/priority.py).",
    )
    enriched_at: AwareDatetime = Field(..., description="When the processing stages finished with the post.")
    stages: list[str] = Field(
        ..., description="Names of the processing stages the post went through, in order (e.g. ['validate'])."
    )
