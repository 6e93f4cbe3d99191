"""The one search layer: everything that touches Elasticsearch or OpenSearch.

Request bodies are shared (bodies.py); two thin adapters (adapters.py) speak
to the engines. Callers use the functions here and never a client directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.search.adapters import BadQuery, SearchClient, SearchUnavailable, connect
from pipeline.search.bodies import (
    bulk_operations,
    count_by_body,
    index_for,
    monitor_query,
    posts_index,
    posts_template,
    query_body,
    unmatched_index,
)
from schemas import EnrichedPost

__all__ = [
    "BadQuery", "BulkOutcome", "SearchClient", "SearchUnavailable", "connect", "count_by", "index_for", "index_posts",
    "monitor_query", "posts_index", "search_posts", "setup_indices", "unmatched_index",
]


def setup_indices(client: SearchClient, prefix: str) -> str:
    """Install the posts index template and create the posts index; safe to repeat. Returns the index name."""
    client.put_index_template(f"{prefix}-posts", posts_template(prefix))
    index = posts_index(prefix)
    client.create_index(index)
    return index


@dataclass
class BulkOutcome:
    """What became of each post in one bulk request."""

    indexed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)  # 429/5xx per item: the engine may take it later
    rejected: dict[str, str] = field(default_factory=dict)  # post_id -> reason: the document itself is bad


def index_posts(client: SearchClient, index: str, posts: Sequence[EnrichedPost]) -> BulkOutcome:
    """Bulk-index posts with _id = post_id (repeating it is harmless).

    Raises SearchUnavailable when the request as a whole failed for a
    transient reason; otherwise sorts every post into indexed, retry or
    rejected from the per-item results.
    """
    outcome = BulkOutcome()
    if not posts:
        return outcome
    response = client.bulk(bulk_operations(index, posts))
    for item in response["items"]:
        result = item.get("index") or next(iter(item.values()))
        post_id, status = result["_id"], int(result.get("status", 500))
        if 200 <= status < 300:
            outcome.indexed.append(post_id)
        elif status == 429 or status >= 500:
            outcome.retry.append(post_id)
        else:
            error = result.get("error") or {}
            outcome.rejected[post_id] = f"HTTP {status} {error.get('type', '')}: {error.get('reason', '')}".strip()
    return outcome


def search_posts(
    client: SearchClient, index: str, query: str, *, size: int = 20, filters: list[dict[str, Any]] | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """Total hits and the newest `size` hits (source plus highlight) for a Lucene-syntax query."""
    response = client.search(index, query_body(query, size=size, filters=filters))
    hits = [
        {**hit["_source"], "highlight": hit.get("highlight", {}).get("text", [])}
        for hit in response["hits"]["hits"]
    ]
    return int(response["hits"]["total"]["value"]), hits


def count_by(client: SearchClient, index: str, field_name: str) -> tuple[int, dict[str, int]]:
    """Total posts and the number per value of a keyword field."""
    response = client.search(index, count_by_body(field_name))
    buckets = response["aggregations"]["by"]["buckets"]
    return int(response["hits"]["total"]["value"]), {b["key"]: int(b["doc_count"]) for b in buckets}
