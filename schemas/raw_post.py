"""RawPost: what a source saw, nothing more (topic ``posts.raw``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.base import Record

# A post is at most a few thousand characters; the longest review or forum post
# seen in Dutch webcare practice is well under 20k. 50k leaves room for long
# news articles while refusing garbage (a 900 KB "post" is a bug upstream).
MAX_TEXT_CHARS = 50_000


class Channel(StrEnum):
    """The kind of place a post was seen; a fixed vocabulary for filters and charts."""

    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    CHAT = "chat"
    FORUM = "forum"
    REVIEW = "review"
    NEWS = "news"
    BLOG = "blog"
    OTHER = "other"


class Author(BaseModel):
    """Who wrote a post, as far as the source tells."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str | None = Field(None, description="The author's stable id at the source (user id, profile URL).")
    handle: str | None = Field(None, description="The author's handle without '@' (e.g. 'jansen_nl').")
    display_name: str | None = Field(None, description="The name the author shows (e.g. 'Anja Jansen').")
    followers: int | None = Field(None, ge=0, description="Follower count when the source tells it.")


class Engagement(BaseModel):
    """Counts of reactions at fetch time; None where the source does not tell."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    likes: int | None = Field(None, ge=0, description="Likes, hearts, favourites or upvotes.")
    replies: int | None = Field(None, ge=0, description="Number of direct replies or comments.")
    shares: int | None = Field(None, ge=0, description="Reposts, retweets, boosts or shares.")
    views: int | None = Field(None, ge=0, description="Views or impressions.")


class RawPost(Record):
    """One post as a source saw it. Sources only fetch and map; they never enrich."""

    schema_version: Literal[1] = Field(1, description="Version of this record's schema.")
    post_id: str = Field(
        "",
        description="'<source>:<external_id>'; the Kafka key and the search-engine _id. "
        "Filled in from source and external_id when absent; must agree with them when given.",
    )
    source: str = Field(
        ...,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        max_length=64,
        description="The connector or crawler that produced the post (e.g. 'x', 'reddit', 'forum.fietsforum').",
    )
    external_id: str = Field(
        ..., min_length=1, max_length=512, description="The post's id at the source (unique per source)."
    )
    channel: Channel = Field(..., description="The kind of place the post was seen.")
    url: str | None = Field(None, max_length=4096, description="Where a person can read the post.")
    author: Author | None = Field(None, description="Who wrote the post.")
    title: str | None = Field(
        None, max_length=2_000, description="Title of an article, review or forum thread, if any."
    )
    text: str = Field(..., max_length=MAX_TEXT_CHARS, description="The post's text as the source gave it.")
    language: str | None = Field(
        None,
        pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$",
        description="Language code when the source says (e.g. 'nl', 'nl-BE'); detection happens later.",
    )
    published_at: AwareDatetime = Field(..., description="When the author published the post (with time zone).")
    fetched_at: AwareDatetime = Field(..., description="When the source fetched it (with time zone).")
    in_reply_to: str | None = Field(
        None, description="post_id of the post this one replies to, when it is a reply."
    )
    conversation_id: str | None = Field(
        None, description="Id of the thread or conversation the post belongs to, when the source has one."
    )
    addressed: list[str] = Field(
        default_factory=list,
        description="Accounts the post is addressed to (reply targets, DM recipients, tagged page), "
        "handles without '@'.",
    )
    mentions: list[str] = Field(
        default_factory=list, description="Accounts mentioned in the post, handles without '@'."
    )
    engagement: Engagement = Field(default_factory=Engagement, description="Reaction counts at fetch time.")
    rating: float | None = Field(
        None, ge=0, le=10, description="A review's rating on the site's own scale (e.g. 1-5 stars)."
    )

    @field_validator("published_at", "fetched_at", mode="before")
    @classmethod
    def _iso_times_only(cls, value: Any) -> Any:
        # pydantic would read a bare number as Unix time; the contract is ISO 8601 with an offset.
        if not isinstance(value, (str, datetime)):
            raise ValueError("must be an ISO 8601 date-time string with a time zone")
        return value

    @model_validator(mode="before")
    @classmethod
    def _fill_post_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("source"), str) and "external_id" in data:
            expected = f"{data['source']}:{data['external_id']}"
            given = data.get("post_id")
            if not given:
                data = {**data, "post_id": expected}
            elif given != expected:
                raise ValueError(f"post_id {given!r} does not equal '<source>:<external_id>' ({expected!r})")
        return data


def make_post_id(source: str, external_id: str) -> str:
    """The post id a source must use: '<source>:<external_id>'."""
    return f"{source}:{external_id}"
