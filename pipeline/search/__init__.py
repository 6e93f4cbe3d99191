"""The one search layer: everything that touches Elasticsearch or OpenSearch.

Request bodies are shared (bodies.py); two thin adapters (adapters.py) speak
to the engines. Callers use the functions here and never a client directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.search.adapters import BadQuery, LifecycleUnsupported, SearchClient, SearchUnavailable, connect
from pipeline.search.bodies import (
    POSTS_MAPPINGS,
    bulk_operations,
    component_templates,
    count_by_body,
    ilm_policy,
    index_for,
    index_templates,
    ism_policy,
    lifecycle_policy_name,
    monitor_query,
    monthly_index,
    posts_index,
    query_body,
    unmatched_index,
)
from schemas import EnrichedPost

__all__ = [
    "BadQuery", "BulkOutcome", "LayoutError", "LifecycleUnsupported", "SearchClient", "SearchUnavailable", "apply_retention",
    "connect", "count_by", "drop_indices", "expired_indices", "index_for", "index_posts", "monitor_query",
    "monthly_indices",
    "posts_index", "prune_expired", "search_posts", "setup_indices", "unmatched_index",
]


class LayoutError(Exception):
    """The engine holds indices in a layout this version does not write to; the message says what to do."""


def setup_indices(client: SearchClient, prefix: str, *, retention_days: int | None = None,
                  now: datetime | None = None) -> str:
    """Install the component and index templates (with the lifecycle policy when ``retention_days``)
    and create this month's posts and unmatched indices, so both read aliases exist from the start.
    Safe to repeat. Returns the posts alias that readers search.

    Raises LifecycleUnsupported (after everything else is installed) when retention was asked
    for and the engine has no lifecycle management.
    """
    for alias in (posts_index(prefix), unmatched_index(prefix), f"{posts_index(prefix)}-unmatched"):
        if client.indices(alias) == [alias]:  # a concrete index, from before the monthly layout
            raise LayoutError(
                f"the engine has an index named {alias!r}, from Luister's single-index layout; the monthly "
                f"indices need that name for their read alias. Reindex it (POST _reindex into "
                f"{posts_index(prefix)}-YYYY.MM by published_at) or, for disposable data, delete it.")
    lifecycle = lifecycle_policy_name(prefix) if retention_days and client.engine == "elasticsearch" else None
    for name, body in component_templates(prefix).items():
        client.put_component_template(name, body)
    for name, body in index_templates(prefix, lifecycle=lifecycle).items():
        client.put_index_template(name, body)
    month = now or datetime.now(UTC)
    for alias in (posts_index(prefix), unmatched_index(prefix)):
        client.create_index(monthly_index(alias, month))
        # Indices made by an older template get the fields added since (a strict mapping would refuse
        # them); a field whose type changed is refused by the engine here, before any post is.
        client.put_mapping(f"{alias}-*", {"properties": POSTS_MAPPINGS["properties"]})
    if retention_days:
        apply_retention(client, prefix, retention_days)
    return posts_index(prefix)


def apply_retention(client: SearchClient, prefix: str, retention_days: int) -> str:
    """Install the lifecycle policy that deletes monthly indices past retention; says what it did.

    Raises LifecycleUnsupported when the engine has none (OpenSearch without ISM)."""
    name = lifecycle_policy_name(prefix)
    if client.engine == "elasticsearch":
        client.put_lifecycle(name, ilm_policy(retention_days))
        return f"ILM policy {name}: delete a monthly index {retention_days} days after its month ends"
    client.put_lifecycle(name, ism_policy(prefix, retention_days))
    return f"ISM policy {name}: delete a monthly index {retention_days} days after its month ends"


def expired_indices(names: Sequence[str], prefix: str, retention_days: int, now: datetime) -> list[str]:
    """The monthly indices of ``prefix`` whose whole month is more than ``retention_days`` ago.

    For engines without a lifecycle (and the local node): `luister es prune` deletes these.
    Names that are not '<alias>-YYYY.MM' of this prefix are never touched."""
    expired = []
    for name in names:
        for alias in (posts_index(prefix), unmatched_index(prefix)):
            month = name.removeprefix(f"{alias}-") if name.startswith(f"{alias}-") else None
            try:
                start = datetime.strptime(month or "", "%Y.%m").replace(tzinfo=UTC)
            except ValueError:
                continue
            month_end = (start + timedelta(days=32)).replace(day=1)
            if now - month_end > timedelta(days=retention_days):
                expired.append(name)
    return sorted(expired)


def monthly_indices(client: SearchClient, prefix: str) -> list[str]:
    """Every monthly posts and unmatched index of ``prefix``."""
    return client.indices(f"{posts_index(prefix)}-*") + client.indices(f"{unmatched_index(prefix)}-*")


def prune_expired(client: SearchClient, prefix: str, retention_days: int, now: datetime) -> list[str]:
    """Delete the monthly indices past retention; returns their names."""
    expired = expired_indices(monthly_indices(client, prefix), prefix, retention_days, now)
    for name in expired:
        client.delete_index(name)
    return expired


def drop_indices(client: SearchClient, prefix: str) -> list[str]:
    """Delete every monthly posts and unmatched index of ``prefix`` (tests, benchmarks); returns their names."""
    names = monthly_indices(client, prefix)
    for name in names:
        client.delete_index(name)
    return names


@dataclass
class BulkOutcome:
    """What became of each post in one bulk request."""

    indexed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)  # 429/5xx per item: the engine may take it later
    rejected: dict[str, str] = field(default_factory=dict)  # post_id -> reason: the document itself is bad


def index_posts(client: SearchClient, prefix: str, posts: Sequence[EnrichedPost]) -> BulkOutcome:
    """Bulk-index posts into their monthly indices with _id = post_id (repeating it is harmless).

    Raises SearchUnavailable when the request as a whole failed for a
    transient reason; otherwise sorts every post into indexed, retry or
    rejected from the per-item results.
    """
    outcome = BulkOutcome()
    if not posts:
        return outcome
    response = client.bulk(bulk_operations(prefix, posts))
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
