from datetime import UTC, datetime

import pytest

from pipeline.search import BulkOutcome, index_posts
from pipeline.search.bodies import POSTS_MAPPINGS, bulk_operations, monitor_query, posts_template, query_body
from schemas import EnrichedPost, RawPost
from tests.helpers import raw_post_dict


def _post(n):
    raw = RawPost.model_validate(raw_post_dict(n))
    return EnrichedPost(**raw.model_dump(), enriched_at=datetime(2026, 11, 20, tzinfo=UTC), stages=["validate"])


def test_bulk_uses_post_id_as_document_id():
    ops = bulk_operations("luister-posts", [_post(1), _post(2)])
    assert ops[0] == {"index": {"_index": "luister-posts", "_id": "x:t1"}}
    assert ops[3]["post_id"] == "x:t2"


def test_mapping_covers_every_enriched_field():
    # dynamic: strict rejects unmapped fields, so a schema addition must come with a mapping
    assert set(EnrichedPost.model_fields) <= set(POSTS_MAPPINGS["properties"])


def test_template_matches_its_index():
    assert "test-posts" in posts_template("test")["index_patterns"]


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

    assert index_for(enriched(monitors=["bestelbaas"]), "luister") == posts_index("luister") == "luister-posts"
    assert index_for(enriched(competitors=["kooptoren"]), "luister") == "luister-posts"
    assert index_for(enriched(), "luister") == unmatched_index("luister") == "luister-posts-unmatched"
    assert unmatched_index("luister").startswith(posts_index("luister") + "-")  # the posts template applies to it
