"""Request bodies shared by both engines. Elasticsearch 8 and OpenSearch 2
accept the same JSON for everything here; only the client call differs
(see adapters.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from processors.relevance.analysis import KEYWORD_FIELDS, TEXT_FIELDS, match_fields
from processors.relevance.query import Bool, Phrase, Query, Term, Wildcard, compile_query
from schemas import EnrichedPost

# Dutch stemming plus ASCII folding: "café" finds "cafe", "vertraging" finds
# "vertragingen". The raw keyword subfield keeps exact values for aggregations.
POSTS_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "refresh_interval": "1s",
    "analysis": {
        "analyzer": {
            "luister_dutch": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "dutch_stop", "dutch_stemmer"],
            },
            "luister_folded": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
            # The `match` fields hold tokens that processors/relevance/analysis.py already folded
            # and joined with spaces: splitting them again is all the engine may do, so monitor
            # queries match here exactly what they match in the stream.
            "luister_tokens": {"type": "custom", "tokenizer": "luister_space", "filter": []},
        },
        "tokenizer": {
            # whitespace's default 255 would cut a long token in two; analysis.MAX_TOKEN_CHARS
            # (255 code points = at most 510 UTF-16 units) stays below this
            "luister_space": {"type": "whitespace", "max_token_length": 1024},
        },
        "filter": {
            "dutch_stop": {"type": "stop", "stopwords": "_dutch_"},
            "dutch_stemmer": {"type": "stemmer", "language": "dutch"},
        },
    },
}

_TEXT = {
    "type": "text",
    "analyzer": "luister_dutch",
    "fields": {"folded": {"type": "text", "analyzer": "luister_folded"}},
}
_KEYWORD = {"type": "keyword"}
# norms only serve scoring by length; monitor queries select, they do not rank
_TOKENS = {"type": "text", "analyzer": "luister_tokens", "norms": False}

_JUDGEMENT = {"properties": {"label": _KEYWORD, "score": {"type": "float"}, "model": _KEYWORD}}

POSTS_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "schema_version": {"type": "integer"},
        "post_id": _KEYWORD,
        "source": _KEYWORD,
        "external_id": _KEYWORD,
        "channel": _KEYWORD,
        "url": {"type": "keyword", "index": False},
        "author": {
            "properties": {
                "id": _KEYWORD,
                "handle": _KEYWORD,
                "display_name": {"type": "text", "analyzer": "luister_folded", "fields": {"raw": _KEYWORD}},
                "followers": {"type": "long"},
            }
        },
        "title": _TEXT,
        "text": _TEXT,
        "language": _KEYWORD,
        "published_at": {"type": "date"},
        "fetched_at": {"type": "date"},
        "enriched_at": {"type": "date"},
        "in_reply_to": _KEYWORD,
        "conversation_id": _KEYWORD,
        "addressed": _KEYWORD,
        "mentions": _KEYWORD,
        "engagement": {
            "properties": {k: {"type": "long"} for k in ("likes", "replies", "shares", "views")}
        },
        "rating": {"type": "float"},
        "stages": _KEYWORD,
        "lang": _KEYWORD,
        "hashtags": _KEYWORD,
        "links": _KEYWORD,
        "fingerprint": _KEYWORD,
        "duplicate": _KEYWORD,
        "duplicate_of": _KEYWORD,
        "cluster_id": _KEYWORD,
        "similarity": {"type": "float"},
        "monitors": _KEYWORD,
        "competitors": _KEYWORD,
        "proactive": {"type": "boolean"},
        "owned": {"type": "boolean"},
        "sentiment": _JUDGEMENT,
        "intent": _JUDGEMENT,
        "priority": _KEYWORD,
        "match": {
            "properties": {
                **{name: _TOKENS for name in TEXT_FIELDS},
                **{name: _KEYWORD for name in KEYWORD_FIELDS},
            }
        },
    },
}


# -- storage: monthly indices behind read aliases, with a retention lifecycle -------------------------------------
#
# A post is written to the index of the month it was published in (UTC), e.g. luister-posts-2026.11;
# the template puts every such index behind the alias luister-posts, which is what every reader
# searches. The month comes from the post itself, so a redelivered post always lands in the same
# index and overwrites its own _id (a data stream would not allow that: it only appends, and a
# rollover between two deliveries would index the post twice).


def posts_index(prefix: str) -> str:
    """The alias every reader searches: all monthly posts indices of this prefix."""
    return f"{prefix}-posts"


def unmatched_index(prefix: str) -> str:
    """Alias of the posts that match no monitor or competitor, kept when a monitor says `unmatched: keep`:
    apart, so dashboards and reports over the posts alias only ever see monitored posts."""
    return f"{prefix}-unmatched"


def monthly_index(alias: str, when: datetime) -> str:
    """The concrete index of an alias for the month of ``when`` (UTC): '<alias>-YYYY.MM'."""
    return f"{alias}-{when.astimezone(UTC):%Y.%m}"


def index_for(post: EnrichedPost, prefix: str) -> str:
    """The concrete index a post is written to: its publication month's posts or unmatched index."""
    alias = posts_index(prefix) if post.monitors or post.competitors else unmatched_index(prefix)
    return monthly_index(alias, post.published_at)


def component_templates(prefix: str) -> dict[str, dict[str, Any]]:
    """The two composable building blocks both index templates use: index settings (shards, refresh;
    what an operator tunes per cluster) and the mapping with the analysis it needs (an engine checks
    each component on its own, so the analyzers must travel with the fields that use them)."""
    index_settings = {k: v for k, v in POSTS_SETTINGS.items() if k != "analysis"}
    return {
        f"{prefix}-posts-settings": {"template": {"settings": index_settings}, "_meta": _META},
        f"{prefix}-posts-mappings": {"template": {"settings": {"analysis": POSTS_SETTINGS["analysis"]},
                                                  "mappings": POSTS_MAPPINGS}, "_meta": _META},
    }


def index_templates(prefix: str, *, lifecycle: str | None = None) -> dict[str, dict[str, Any]]:
    """Index templates for the monthly posts and unmatched indices: the components plus the read alias.

    ``lifecycle`` names an Elasticsearch ILM policy to attach (``index.lifecycle.name``);
    OpenSearch's ISM attaches its policy by index pattern instead (``ism_policy``).
    """
    settings = {"index.lifecycle.name": lifecycle} if lifecycle else {}
    return {
        alias: {
            "index_patterns": [f"{alias}-*"],
            "composed_of": list(component_templates(prefix)),
            "priority": 200,
            "template": {"aliases": {alias: {}}, **({"settings": settings} if settings else {})},
            "_meta": _META,
        }
        for alias in (posts_index(prefix), unmatched_index(prefix))
    }


def retention_min_age_days(retention_days: int) -> int:
    """Age of a monthly index at which it may be deleted: its last post is then ``retention_days`` old.

    Both lifecycles count an index's age from its creation, normally in the month's first hours
    (the first post of the month creates it), so a month's posts live ``retention_days`` to
    ``retention_days + 31`` days: never less than promised.
    """
    return retention_days + 31


def ilm_policy(retention_days: int) -> dict[str, Any]:
    """Elasticsearch ILM: keep a monthly index, delete it once all its posts are past retention."""
    return {"policy": {
        "phases": {
            "hot": {"min_age": "0ms", "actions": {}},
            "delete": {"min_age": f"{retention_min_age_days(retention_days)}d", "actions": {"delete": {}}},
        },
        "_meta": _META,
    }}


def ism_policy(prefix: str, retention_days: int) -> dict[str, Any]:
    """OpenSearch ISM: the same lifecycle, attached to new monthly indices by pattern (ism_template)."""
    return {"policy": {
        "description": f"Luister: delete {prefix} monthly indices {retention_days} days after their last post",
        "default_state": "hot",
        "states": [
            {"name": "hot", "actions": [], "transitions": [
                {"state_name": "delete",
                 "conditions": {"min_index_age": f"{retention_min_age_days(retention_days)}d"}}]},
            {"name": "delete", "actions": [{"delete": {}}], "transitions": []},
        ],
        "ism_template": [{"index_patterns": [f"{posts_index(prefix)}-*", f"{unmatched_index(prefix)}-*"],
                          "priority": 100}],
    }}


def lifecycle_policy_name(prefix: str) -> str:
    return f"{prefix}-posts-retention"


_META = {"managed_by": "luister"}


def bulk_operations(prefix: str, posts: Iterable[EnrichedPost]) -> list[dict[str, Any]]:
    """Bulk 'index' operations into each post's monthly index with _id = post_id, so a redelivered
    post overwrites itself.

    Each document also carries ``match``: the post as monitor queries see it
    (analysis.match_fields), which ``monitor_query`` searches.
    """
    ops: list[dict[str, Any]] = []
    for post in posts:
        ops.append({"index": {"_index": index_for(post, prefix), "_id": post.post_id}})
        ops.append({**post.model_dump(mode="json"), "match": match_fields(post)})
    return ops


def monitor_query(query: str) -> dict[str, Any]:
    """The engine query for a monitor query: the same compiled tree the stream's matcher evaluates
    (processors/relevance/query.py), over the documents' ``match`` fields. Raises ValueError for a
    query the matchers do not support, as loading a monitors file does."""
    return _dsl(compile_query(query))


def _dsl(query: Query) -> dict[str, Any]:
    if isinstance(query, Term):
        return {"term": {f"match.{query.field}": query.value}}
    if isinstance(query, Phrase):
        # the whitespace analyzer splits the joined tokens back into exactly these tokens
        return {"match_phrase": {f"match.{query.field}": {"query": " ".join(query.tokens), "slop": query.slop}}}
    if isinstance(query, Wildcard):
        return {"wildcard": {f"match.{query.field}": {"value": query.pattern}}}
    assert isinstance(query, Bool)
    clauses: dict[str, Any] = {
        occur: [_dsl(q) for q in getattr(query, occur)]
        for occur in ("must", "should", "must_not")
        if getattr(query, occur)
    }
    if query.should:
        clauses["minimum_should_match"] = 1  # explicit: the engine's default is 0 next to a must clause
    return {"bool": clauses}


def query_body(
    query: str, *, size: int = 20, sort_newest: bool = True, filters: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A search in Lucene query syntax over title and text (as in Kibana's search bar)."""
    must: list[dict[str, Any]] = [
        {
            "query_string": {
                "query": query,
                "fields": ["text", "title"],
                "default_operator": "OR",
            }
        }
        if query.strip() not in ("", "*")
        else {"match_all": {}}
    ]
    body: dict[str, Any] = {
        "query": {"bool": {"must": must, "filter": filters or []}},
        "size": size,
        "_source": {"excludes": ["match"]},  # the index's own view of the post, not part of it
        "track_total_hits": True,
        "highlight": {"fields": {"text": {"number_of_fragments": 1, "fragment_size": 160}}},
    }
    if sort_newest:
        body["sort"] = [{"published_at": "desc"}, {"post_id": "asc"}]
    return body


def count_by_body(field: str, *, size: int = 50) -> dict[str, Any]:
    """Counts of posts per value of a keyword field (e.g. 'channel')."""
    return {"size": 0, "track_total_hits": True, "aggs": {"by": {"terms": {"field": field, "size": size}}}}
