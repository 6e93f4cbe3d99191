"""The webcare KPIs of one monitor over a time window, computed by the search engine.

What counts (the same rules everywhere, so a report, a dashboard and a test agree):
- **mentions**: the monitor's posts published in [since, until) that its own accounts did not
  write (the brand's replies are its work, not its volume); copies included, as people saw them.
- **days** are calendar days in Europe/Amsterdam.
- **share of voice**: mentions of the brand against posts matching each competitor's query.
- **response**: a customer post *addressed* to one of the brand's accounts (reply, DM, tag) is
  answered when one of those accounts replied to it (``in_reply_to``); response time is from the
  post to the brand's first reply; within the service level when that took at most ``sla``.
Each figure is one aggregation in one of the request bodies below. The Kibana / OpenSearch
Dashboards panels (pipeline/dashboards.py) have their own spec, in the terms those products
understand; both are tested against the same sample. (The dashboards count the brand's own posts
too; analysts narrow them in the query bar.)
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from processors.relevance.monitors import Monitor

TIME_ZONE = "Europe/Amsterdam"
TOP = 10  # authors, engaged posts, topics, proactive posts shown
MAX_THREAD_POSTS = 10_000  # addressed posts (and replies) read for response times: one result window

ENGAGEMENT = ("likes", "replies", "shares")
# Painless, on both engines: a post's likes + replies + shares (missing counts as 0).
_ENGAGEMENT_SCRIPT = " + ".join(
    f"(doc['engagement.{k}'].size() == 0 ? 0 : doc['engagement.{k}'].value)" for k in ENGAGEMENT)


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    def range(self) -> dict[str, Any]:
        return {"range": {"published_at": {"gte": self.since.isoformat(), "lt": self.until.isoformat()}}}


def mentions_filter(monitor: Monitor, window: Window) -> dict[str, Any]:
    """The monitor's posts in the window that are not the brand's own (``owned``, set by enrich)."""
    return {"bool": {
        "filter": [{"term": {"monitors": monitor.id}}, window.range()],
        "must_not": [{"term": {"owned": True}}],
    }}


def overview_body(monitor: Monitor, window: Window) -> dict[str, Any]:
    """One request: volume per day and channel, sentiment per day, intents, proactive posts, top authors,
    the most-engaged posts and the terms that set the negative posts apart."""
    return {
        "size": 0,
        "track_total_hits": True,
        "query": mentions_filter(monitor, window),
        "aggs": {
            "per_day": {
                "date_histogram": {
                    "field": "published_at", "calendar_interval": "day", "time_zone": TIME_ZONE,
                    "min_doc_count": 0,
                    "extended_bounds": {"min": window.since.isoformat(), "max": (window.until - timedelta(
                        milliseconds=1)).isoformat()},
                },
                "aggs": {"channel": {"terms": {"field": "channel", "size": 50}},
                         "sentiment": {"terms": {"field": "sentiment.label", "size": 5}}},
            },
            "channel": {"terms": {"field": "channel", "size": 50}},
            "sentiment": {"terms": {"field": "sentiment.label", "size": 5}},
            "intent": {"terms": {"field": "intent.label", "size": 5}},
            "proactive": {
                "filter": {"term": {"proactive": True}},
                "aggs": {"newest": {"top_hits": {"size": TOP, "sort": [{"published_at": "desc"}],
                                                 "_source": {"includes": _SHOWN}}}},
            },
            "authors": {"terms": {"field": "author.handle", "size": TOP}},
            "engaged": {"top_hits": {
                "size": TOP, "_source": {"includes": _SHOWN},
                "sort": [{"_script": {"type": "number", "order": "desc",
                                      "script": {"lang": "painless", "source": _ENGAGEMENT_SCRIPT}}},
                         {"post_id": "asc"}],
            }},
            "negative": {
                "filter": {"term": {"sentiment.label": "negative"}},
                "aggs": {"topics": {"significant_text": {
                    "field": "text.folded", "size": TOP, "min_doc_count": 3, "filter_duplicate_text": True,
                    "exclude": _obvious_terms(monitor)}}},
            },
        },
    }


def _obvious_terms(monitor: Monitor) -> str:
    """A regex of terms a topic list should not show: the brand's own names and accounts (every post has
    them), numbers and one- or two-letter words."""
    names = sorted({monitor.id, *monitor.owned_accounts, *(c.id for c in monitor.competitors)})
    return "|".join([r"[0-9]+", ".{1,2}", *(re.escape(n.lower()) for n in names)])


_SHOWN = ["post_id", "published_at", "channel", "author.handle", "text", "url", "engagement", "sentiment.label",
          "intent.label"]


def share_of_voice_body(monitor: Monitor, window: Window) -> dict[str, Any]:
    """Brand mentions and each competitor's posts in the window, as named filters."""
    filters = {monitor.id: mentions_filter(monitor, window)}
    for competitor in monitor.competitors:
        filters[competitor.id] = {"bool": {"filter": [{"term": {"competitors": competitor.id}}, window.range()]}}
    return {"size": 0, "query": window.range(), "aggs": {"voice": {"filters": {"filters": filters}}}}


def addressed_body(monitor: Monitor, window: Window) -> dict[str, Any]:
    """Customer posts in the window addressed to one of the brand's accounts (ids and times)."""
    return {
        "size": MAX_THREAD_POSTS, "track_total_hits": True, "_source": ["post_id", "published_at"],
        "query": {"bool": {"filter": [mentions_filter(monitor, window),
                                      {"terms": {"addressed": list(monitor.owned_accounts)}}]}},
        "sort": [{"published_at": "asc"}, {"post_id": "asc"}],
    }


def replies_body(monitor: Monitor, post_ids: list[str]) -> dict[str, Any]:
    """The brand's replies to these posts (any time after them: a reply may fall after the window)."""
    return {
        "size": MAX_THREAD_POSTS, "_source": ["in_reply_to", "published_at"],
        "query": {"bool": {"filter": [{"terms": {"author.handle": list(monitor.owned_accounts)}},
                                      {"terms": {"in_reply_to": post_ids}}]}},
        "sort": [{"published_at": "asc"}, {"post_id": "asc"}],
    }


@dataclass
class Response:
    addressed: int = 0
    answered: int = 0
    within_sla: int = 0
    sla_minutes: float = 60.0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    truncated: bool = False  # more addressed posts than one result window: figures cover the first ones

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.addressed if self.addressed else None

    @property
    def within_sla_share(self) -> float | None:
        return self.within_sla / self.addressed if self.addressed else None


@dataclass
class Report:
    monitor: str
    name: str
    since: datetime
    until: datetime
    mentions: int
    per_day: dict[str, dict[str, dict[str, int]]]  # day -> {"channel": {...}, "sentiment": {...}}
    channels: dict[str, int]
    sentiment: dict[str, int]
    intent: dict[str, int]
    proactive: int
    proactive_posts: list[dict[str, Any]]
    top_authors: list[tuple[str, int]]
    most_engaged: list[dict[str, Any]]
    negative_topics: list[tuple[str, int]]
    share_of_voice: dict[str, int]
    response: Response = field(default_factory=Response)

    def as_dict(self) -> dict[str, Any]:
        r = self.response
        return {
            "monitor": self.monitor, "name": self.name, "since": self.since.isoformat(), "until": self.until.isoformat(),
            "mentions": self.mentions, "per_day": self.per_day, "channels": self.channels,
            "sentiment": self.sentiment, "intent": self.intent, "proactive": self.proactive,
            "proactive_posts": self.proactive_posts, "top_authors": [list(a) for a in self.top_authors],
            "most_engaged": self.most_engaged, "negative_topics": [list(t) for t in self.negative_topics],
            "share_of_voice": self.share_of_voice,
            "response": {"addressed": r.addressed, "answered": r.answered, "answered_share": r.answered_share,
                         "within_sla": r.within_sla, "within_sla_share": r.within_sla_share,
                         "sla_minutes": r.sla_minutes, "median_minutes": r.median_minutes,
                         "p90_minutes": r.p90_minutes, "truncated": r.truncated},
        }


def _buckets(agg: dict[str, Any]) -> dict[str, int]:
    return {str(b["key"]): int(b["doc_count"]) for b in agg["buckets"]}


def _hits(agg: dict[str, Any]) -> list[dict[str, Any]]:
    return [h["_source"] for h in agg["hits"]["hits"]]


def build_report(client: Any, index: str, monitor: Monitor, window: Window, *, sla: timedelta) -> Report:
    """Run the report's requests on the posts alias and read the figures from the answers."""
    overview = client.search(index, overview_body(monitor, window))
    aggs = overview["aggregations"]
    voice = client.search(index, share_of_voice_body(monitor, window))["aggregations"]["voice"]["buckets"]
    return Report(
        monitor=monitor.id, name=monitor.name, since=window.since, until=window.until,
        mentions=int(overview["hits"]["total"]["value"]),
        per_day={b["key_as_string"][:10]: {"channel": _buckets(b["channel"]), "sentiment": _buckets(b["sentiment"])}
                 for b in aggs["per_day"]["buckets"]},
        channels=_buckets(aggs["channel"]), sentiment=_buckets(aggs["sentiment"]), intent=_buckets(aggs["intent"]),
        proactive=int(aggs["proactive"]["doc_count"]), proactive_posts=_hits(aggs["proactive"]["newest"]),
        top_authors=[(str(b["key"]), int(b["doc_count"])) for b in aggs["authors"]["buckets"]],
        most_engaged=_hits(aggs["engaged"]),
        negative_topics=[(str(b["key"]), int(b["doc_count"])) for b in aggs["negative"]["topics"]["buckets"]],
        share_of_voice={name: int(b["doc_count"]) for name, b in voice.items()},
        response=response_times(client, index, monitor, window, sla=sla),
    )


def response_times(client: Any, index: str, monitor: Monitor, window: Window, *, sla: timedelta) -> Response:
    """Answered share, share within the service level and response-time percentiles."""
    result = Response(sla_minutes=sla.total_seconds() / 60)
    if not monitor.owned_accounts:
        return result
    found = client.search(index, addressed_body(monitor, window))
    posted = {h["_source"]["post_id"]: datetime.fromisoformat(h["_source"]["published_at"])
              for h in found["hits"]["hits"]}
    result.addressed = len(posted)
    result.truncated = int(found["hits"]["total"]["value"]) > len(posted)
    if not posted:
        return result
    first_reply: dict[str, datetime] = {}
    for hit in client.search(index, replies_body(monitor, list(posted)))["hits"]["hits"]:
        original, at = hit["_source"]["in_reply_to"], datetime.fromisoformat(hit["_source"]["published_at"])
        if at >= posted[original]:  # sorted oldest first: the first one kept is the first reply
            first_reply.setdefault(original, at)
    minutes = sorted((first_reply[p] - posted[p]).total_seconds() / 60 for p in first_reply)
    result.answered = len(minutes)
    result.within_sla = sum(m <= result.sla_minutes for m in minutes)
    if minutes:
        result.median_minutes = statistics.median(minutes)
        result.p90_minutes = minutes[math.ceil(0.9 * len(minutes)) - 1]  # nearest-rank percentile
    return result
