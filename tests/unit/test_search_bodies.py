from datetime import UTC, datetime

import pytest

from pipeline.search import BulkOutcome, index_posts
from pipeline.search.bodies import (
    POSTS_MAPPINGS, bulk_operations, component_templates, ilm_policy, index_templates, ism_policy, monitor_query,
    query_body,
)
from schemas import EnrichedPost, RawPost
from tests.helpers import raw_post_dict


def _post(n):
    raw = RawPost.model_validate(raw_post_dict(n))
    return EnrichedPost(**raw.model_dump(), enriched_at=datetime(2026, 11, 20, tzinfo=UTC), stages=["validate"])


def test_bulk_uses_post_id_as_document_id_in_the_month_of_publication():
    late = _post(2).model_copy(update={"monitors": ["m"], "published_at": datetime(2026, 12, 31, 23, 30, tzinfo=UTC)})
    ops = bulk_operations("luister", [_post(1), late])
    assert ops[0] == {"index": {"_index": "luister-unmatched-2026.11", "_id": "x:t1"}}
    assert ops[2] == {"index": {"_index": "luister-posts-2026.12", "_id": "x:t2"}}
    assert ops[3]["post_id"] == "x:t2"


def test_mapping_covers_every_enriched_field():
    # dynamic: strict rejects unmapped fields, so a schema addition must come with a mapping
    assert set(EnrichedPost.model_fields) <= set(POSTS_MAPPINGS["properties"])


def test_templates_put_every_monthly_index_behind_its_read_alias():
    templates = index_templates("test")
    assert set(templates) == {"test-posts", "test-unmatched"}
    for alias, template in templates.items():
        assert template["index_patterns"] == [f"{alias}-*"] and template["template"]["aliases"] == {alias: {}}
        assert template["composed_of"] == list(component_templates("test"))
    components = component_templates("test")
    assert components["test-posts-mappings"]["template"]["mappings"] is POSTS_MAPPINGS
    assert "analysis" in components["test-posts-mappings"]["template"]["settings"]  # analyzers with their fields
    assert components["test-posts-settings"]["template"]["settings"]["number_of_shards"] == 1
    # an Elasticsearch lifecycle is named in the template; OpenSearch's ISM finds indices by pattern
    named = index_templates("test", lifecycle="test-posts-retention")["test-posts"]["template"]
    assert named["settings"] == {"index.lifecycle.name": "test-posts-retention"}
    assert "settings" not in templates["test-posts"]["template"]


def test_lifecycle_policies_delete_a_month_once_its_last_post_is_past_retention():
    ilm = ilm_policy(90)["policy"]["phases"]
    assert ilm["delete"] == {"min_age": "121d", "actions": {"delete": {}}}
    ism = ism_policy("test", 90)["policy"]
    hot, delete = ism["states"]
    assert hot["transitions"] == [{"state_name": "delete", "conditions": {"min_index_age": "121d"}}]
    assert delete["actions"] == [{"delete": {}}]
    assert ism["ism_template"][0]["index_patterns"] == ["test-posts-*", "test-unmatched-*"]


def test_expired_indices_are_whole_months_past_retention_and_only_ours():
    from pipeline.search import expired_indices

    names = ["t-posts-2026.01", "t-posts-2026.02", "t-unmatched-2026.01", "t-posts-2026.03",
             "t-posts-kapot", "t-posts", "other-posts-2020.01", "t-posts-2026.13"]
    now = datetime(2026, 4, 1, 12, tzinfo=UTC)
    # January ended 2026-02-01: 59.5 days before now; February ended 2026-03-01: 31.5 days
    assert expired_indices(names, "t", 59, now) == ["t-posts-2026.01", "t-unmatched-2026.01"]
    assert expired_indices(names, "t", 60, now) == []
    assert expired_indices(names, "t", 31, now) == ["t-posts-2026.01", "t-posts-2026.02", "t-unmatched-2026.01"]


def test_empty_query_matches_all():
    assert query_body("")["query"]["bool"]["must"] == [{"match_all": {}}]
    assert query_body("storing")["query"]["bool"]["must"][0]["query_string"]["query"] == "storing"


class _FakeBulkClient:
    """Stands in for the engine only to feed index_posts canned per-item bulk results."""

    def __init__(self, statuses):
        self.statuses = statuses

    def bulk(self, operations):
        ids = [op["index"]["_id"] for op in operations[::2]]
        items = []
        for pid in ids:
            status = self.statuses[pid]
            result = {"_id": pid, "status": status}
            if status >= 300:
                result["error"] = {"type": "mapper_parsing_exception", "reason": "kapot veld"}
            items.append({"index": result})
        return {"errors": True, "items": items}


def test_bulk_items_are_sorted_into_indexed_retry_and_rejected():
    client = _FakeBulkClient({"x:t1": 201, "x:t2": 429, "x:t3": 400, "x:t4": 503, "x:t5": 200})
    outcome = index_posts(client, "i", [_post(n) for n in range(1, 6)])
    assert outcome == BulkOutcome(
        indexed=["x:t1", "x:t5"], retry=["x:t2", "x:t4"],
        rejected={"x:t3": "HTTP 400 mapper_parsing_exception: kapot veld"},
    )


def test_documents_carry_the_match_fields():
    ops = bulk_operations("luister-posts", [_post(1)])
    assert ops[1]["match"]["text"] == "bestelbaas waar blijft mijn pakket bestelnummer 1 al 3 dagen onderweg"
    assert ops[1]["match"]["author"] == "klant1 klant 1"
    assert set(ops[1]["match"]) == set(POSTS_MAPPINGS["properties"]["match"]["properties"])


def test_search_hits_leave_the_match_fields_out():
    assert query_body("storing")["_source"] == {"excludes": ["match"]}


@pytest.mark.parametrize(
    ("query", "dsl"),
    [
        ("title:storing", {"term": {"match.title": "storing"}}),
        ("mentions:@GolfHelpt", {"term": {"match.mentions": "golfhelpt"}}),
        ('author:"Golf Helpt"~2', {"match_phrase": {"match.author": {"query": "golf helpt", "slop": 2}}}),
        ("title:bol.com", {"match_phrase": {"match.title": {"query": "bol com", "slop": 0}}}),
        ("title:Prov*", {"wildcard": {"match.title": {"value": "prov*"}}}),
        ("café", {"bool": {"should": [{"term": {"match.text": "cafe"}}, {"term": {"match.title": "cafe"}}],
                           "minimum_should_match": 1}}),
        ("+title:a title:b -title:c", {"bool": {"must": [{"term": {"match.title": "a"}}],
                                                "must_not": [{"term": {"match.title": "c"}}]}}),
        ("NOT channel:x", {"bool": {"must_not": [{"term": {"match.channel": "x"}}]}}),
    ],
)
def test_monitor_query(query, dsl):
    assert monitor_query(query) == dsl


def test_an_unsupported_monitor_query_is_refused():
    with pytest.raises(ValueError, match="fuzzy"):
        monitor_query("storing~")


def test_posts_of_no_monitor_go_to_the_unmatched_index():
    from datetime import UTC, datetime

    from pipeline.search.bodies import index_for, posts_index, unmatched_index
    from schemas import EnrichedPost
    from tests.helpers import raw_post_dict

    def enriched(**fields):
        return EnrichedPost(**raw_post_dict(1), enriched_at=datetime(2026, 11, 20, tzinfo=UTC), stages=["x"], **fields)

    assert index_for(enriched(monitors=["bestelbaas"]), "luister") == "luister-posts-2026.11"
    assert index_for(enriched(competitors=["kooptoren"]), "luister") == "luister-posts-2026.11"
    assert index_for(enriched(), "luister") == "luister-unmatched-2026.11"
    assert (posts_index("luister"), unmatched_index("luister")) == ("luister-posts", "luister-unmatched")
    # the posts alias's pattern must not take in unmatched indices
    assert not unmatched_index("luister").startswith(posts_index("luister") + "-")
