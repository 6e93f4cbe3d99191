from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import RECORD_TYPES, EnrichedPost, RawPost, Topic, make_post_id, topic_name
from schemas.export import json_schemas
from tests.helpers import raw_post_dict
from pathlib import Path

JSONSCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "jsonschema"


def test_post_id_is_source_colon_external_id():
    assert RawPost.model_validate(raw_post_dict(3)).post_id == "x:t3"
    assert make_post_id("forum.fietsforum", "thread/9#p2") == "forum.fietsforum:thread/9#p2"


def test_given_post_id_must_agree():
    with pytest.raises(ValidationError, match="does not equal"):
        RawPost.model_validate(raw_post_dict(3, post_id="x:t4"))


def test_records_are_frozen():
    post = RawPost.model_validate(raw_post_dict(1))
    with pytest.raises(ValidationError):
        post.text = "anders"


def test_unknown_fields_are_ignored_for_additive_changes():
    post = RawPost.model_validate(raw_post_dict(1, veld_uit_de_toekomst=True))
    assert "veld_uit_de_toekomst" not in post.model_dump()


def test_enriched_round_trips_through_bytes():
    raw = RawPost.model_validate(raw_post_dict(1))
    enriched = EnrichedPost(**raw.model_dump(), enriched_at=datetime(2026, 11, 20, tzinfo=UTC), stages=["validate"])
    assert EnrichedPost.model_validate_json(enriched.to_bytes()) == enriched


@pytest.mark.parametrize("model", list(RECORD_TYPES.values()), ids=lambda m: m.__name__)
def test_every_field_is_described_and_versioned(model):
    assert "schema_version" in model.model_fields
    undescribed = [name for name, f in model.model_fields.items() if not f.description]
    assert not undescribed, f"{model.__name__} fields without description: {undescribed}"


@pytest.mark.parametrize(("name", "text"), sorted(json_schemas().items()))
def test_exported_json_schema_is_current(name, text):
    path = JSONSCHEMA / name
    assert path.exists() and path.read_text() == text, f"{path} is stale: run `make schemas`"


def test_topic_prefix():
    assert topic_name(Topic.RAW, "acme.") == "acme.posts.raw"
    assert topic_name(Topic.DEAD) == "posts.dead"
