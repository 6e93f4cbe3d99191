"""The feeds file: which feeds to poll, as which source and channel, how often.

A YAML list (or a mapping with a ``feeds:`` list) of entries such as::

    - url: https://www.dagbladwest.example/rss/economie.xml
      source: news.dagbladwest
      channel: news
      interval_s: 600      # optional; settings.feeds.default_interval_s otherwise
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.raw_post import Channel


class FeedConfigError(ValueError):
    """Raised by ``load_feeds`` when the feeds file is missing, not YAML, or has an invalid entry.
    The message names the file and the entry; the poller does not start."""


class FeedConfig(BaseModel):
    """One feed to poll."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(..., pattern=r"^https?://\S+$", description="The feed's http(s) URL.")
    source: str = Field(
        ...,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        max_length=64,
        description="RawPost.source for its entries, e.g. 'news.dagbladwest'.",
    )
    channel: Channel = Field(..., description="RawPost.channel for its entries (news, blog, reddit, ...).")
    interval_s: float | None = Field(
        None, gt=0, description="Seconds between polls; None uses settings.feeds.default_interval_s."
    )

    @field_validator("url")
    @classmethod
    def _no_fragment(cls, value: str) -> str:
        if "#" in value:
            raise ValueError("a feed URL has no '#fragment'")
        return value


def load_feeds(path: Path) -> list[FeedConfig]:
    """Read and validate the feeds file.

    Raises FeedConfigError naming the file and the offending entry (index and url) when the
    file cannot be read, is not a YAML list of feeds, or two entries share a URL (a URL is a
    feed's identity in the poller's state).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FeedConfigError(f"{path}: cannot read the feeds file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise FeedConfigError(f"{path}: not valid YAML: {exc}") from exc
    if isinstance(data, dict) and "feeds" in data:
        data = data["feeds"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise FeedConfigError(f"{path}: expected a list of feeds (or 'feeds:' with a list), got {type(data).__name__}")
    feeds: list[FeedConfig] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        label = f"{path}: feed #{index + 1}"
        if isinstance(item, dict) and "url" in item:
            label += f" ({item['url']})"
        if not isinstance(item, dict):
            raise FeedConfigError(f"{label}: expected a mapping with url, source, channel, got {item!r}")
        try:
            feed = FeedConfig.model_validate(item)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in exc.errors()
            )
            raise FeedConfigError(f"{label}: {problems}") from None
        if feed.url in seen:
            raise FeedConfigError(f"{label}: same url as feed #{seen[feed.url] + 1}; list each feed once")
        seen[feed.url] = index
        feeds.append(feed)
    return feeds
