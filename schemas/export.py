"""JSON Schema of every topic's record, as the files kept in schemas/jsonschema/."""

from __future__ import annotations

import json

from schemas.topics import RECORD_TYPES


def json_schemas() -> dict[str, str]:
    """{file name: JSON text} for each topic, e.g. 'posts.raw.json'."""
    return {
        f"{topic.value}.json": json.dumps(
            {"$id": f"luister/{topic.value}", **model.model_json_schema(mode="serialization")},
            indent=2, ensure_ascii=False, sort_keys=True,
        ) + "\n"
        for topic, model in RECORD_TYPES.items()
    }
