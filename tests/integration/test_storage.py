"""Storage on the real local engine: monthly indices behind read aliases, retention, `luister es`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.search import (
    LayoutError, connect, drop_indices, index_posts, posts_index, prune_expired, search_posts, setup_indices,
    unmatched_index,
)
from pipeline.search.bodies import POSTS_MAPPINGS, POSTS_SETTINGS
from schemas import EnrichedPost, RawPost
from tests.helpers import raw_post_dict

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _post(n: int, published: str, *, monitors: tuple[str, ...] = ("bestelbaas",)) -> EnrichedPost:
    raw = RawPost.model_validate(raw_post_dict(n, published_at=published))
    return EnrichedPost(**raw.model_dump(), enriched_at=NOW, stages=["validate"], monitors=list(monitors))


@pytest.fixture
def storage(stack, settings, unique):
    client = connect(settings.search)
    prefix = unique("storage")
    yield client, prefix
    drop_indices(client, prefix)
    client.close()


def test_posts_land_in_their_month_and_are_read_through_one_alias(storage):
    client, prefix = storage
    assert setup_indices(client, prefix, now=NOW) == posts_index(prefix)
    assert setup_indices(client, prefix, now=NOW) == posts_index(prefix)  # repeatable
    posts = [_post(1, "2026-10-31T23:30:00-01:00"),  # 1 November in UTC
             _post(2, "2026-11-15T10:00:00+01:00"), _post(3, "2026-12-01T00:30:00+01:00"),  # 30 November in UTC
             _post(4, "2026-12-02T09:00:00+01:00", monitors=())]
    for _ in range(2):  # a redelivery overwrites: the same month, the same _id
        assert not index_posts(client, prefix, posts).rejected
    client.refresh(f"{prefix}-*")
    assert client.indices(f"{posts_index(prefix)}-*") == [f"{prefix}-posts-2026.11", f"{prefix}-posts-2026.12"]
    assert client.count(f"{prefix}-posts-2026.11") == 3 and client.count(f"{prefix}-posts-2026.12") == 0
    total, hits = search_posts(client, posts_index(prefix), "*", size=10)
    assert total == 3 and {h["post_id"] for h in hits} == {"x:t1", "x:t2", "x:t3"}
    # the post of no monitor is kept apart, behind its own alias
    assert [h["post_id"] for h in search_posts(client, unmatched_index(prefix), "*")[1]] == ["x:t4"]


def test_prune_deletes_only_months_past_retention(storage):
    client, prefix = storage
    setup_indices(client, prefix, now=NOW)
    posts = [_post(1, "2026-01-10T10:00:00+01:00"), _post(2, "2026-02-10T10:00:00+01:00"),
             _post(3, "2026-03-10T10:00:00+01:00"), _post(4, "2026-01-20T10:00:00+01:00", monitors=())]
    assert not index_posts(client, prefix, posts).rejected
    client.refresh(f"{prefix}-*")
    # on 3 December: January ended about 305 days ago, February 277, March 246
    gone = prune_expired(client, prefix, 280, NOW)
    assert gone == [f"{prefix}-posts-2026.01", f"{prefix}-unmatched-2026.01"]
    assert {h["post_id"] for h in search_posts(client, posts_index(prefix), "*")[1]} == {"x:t2", "x:t3"}
    assert prune_expired(client, prefix, 280, NOW) == []


def test_an_index_from_the_single_index_layout_is_named_not_overwritten(storage):
    client, prefix = storage
    client.create_index(posts_index(prefix))  # what Luister wrote before monthly indices
    with pytest.raises(LayoutError, match="single-index layout"):
        setup_indices(client, prefix)
    client.delete_index(posts_index(prefix))


def test_es_setup_and_prune_commands_on_the_local_node(storage, monkeypatch):
    client, prefix = storage
    monkeypatch.setenv("LUISTER_SEARCH__INDEX_PREFIX", prefix)
    result = CliRunner().invoke(app, ["es", "setup", "--retention-days", "30"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    month = datetime.now(UTC).strftime("%Y.%m")
    assert client.indices(f"{prefix}-posts-*") == [f"{prefix}-posts-{month}"] and "read alias" in text
    assert "ISM" in text and "luister es prune" in text  # the local node has no ISM: said, with the way out
    assert not index_posts(client, prefix, [_post(1, "2025-01-10T10:00:00+01:00")]).rejected
    result = CliRunner().invoke(app, ["es", "prune", "--retention-days", "30", "--dry-run"])
    assert "would delete 1" in result.output and client.indices(f"{prefix}-posts-2025.01")
    result = CliRunner().invoke(app, ["es", "prune", "--retention-days", "30"])
    assert result.exit_code == 0 and "deleted 1" in result.output
    assert client.indices(f"{prefix}-posts-2025.01") == []


def test_setup_gives_indices_of_an_older_mapping_the_fields_added_since(storage):
    client, prefix = storage
    old = f"{posts_index(prefix)}-2025.06"
    # an index made by an earlier template: the same analysis, a strict mapping without the newer fields
    earlier = {k: v for k, v in POSTS_MAPPINGS["properties"].items() if k not in ("owned", "sentiment", "monitors")}
    client._c.indices.create(index=old, body={"settings": {"analysis": POSTS_SETTINGS["analysis"]},
                                              "mappings": {"dynamic": "strict", "properties": earlier}})
    setup_indices(client, prefix, now=NOW)
    fields = client._c.indices.get_mapping(index=old)[old]["mappings"]["properties"]
    assert {"owned", "sentiment", "monitors"} <= set(fields)
    assert not index_posts(client, prefix, [_post(1, "2025-06-10T10:00:00+02:00")]).rejected  # strict, yet taken
