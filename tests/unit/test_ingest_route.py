import json
from datetime import UTC, datetime

from pipeline.agents.ingest import route_raw
from pipeline.settings import Settings
from processors.enrich import EnrichState
from schemas import DeadLetter, DeadReason, EnrichedPost, Topic
from tests.helpers import raw_post_bytes

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SETTINGS = Settings(_env_file=None)


class DutchGuesser:
    """Says Dutch, sure: enough for routing tests (the real detector is tested in test_normalize)."""

    def guess(self, text):
        return ("nl", 0.99)


STATE = EnrichState(guesser=DutchGuesser())


def _route(value, key=None):
    return route_raw(value, key, partition=0, offset=5, settings=SETTINGS, state=STATE, worker="w", now=NOW)


def test_valid_post_goes_to_enriched_keyed_by_post_id():
    send = _route(raw_post_bytes(4), b"x:t4")
    assert send.to is Topic.ENRICHED and send.key == b"x:t4" and send.outcome == "kept"
    post = EnrichedPost.model_validate_json(send.value)
    assert post.stages == ["validate", "normalize"] and post.enriched_at == NOW
    assert post.lang == "nl" and post.mentions == ["bestelbaas"]


def test_bad_post_goes_to_dead_letters_with_stage_and_reason():
    send = _route(b"{niet json", b"k")
    assert send.to is Topic.DEAD and send.key == b"k" and send.outcome == "dead"
    letter = DeadLetter.model_validate(json.loads(send.value))
    assert (letter.stage, letter.reason, letter.offset) == ("validate", DeadReason.INVALID_JSON, 5)


def test_a_bug_in_a_stage_parks_the_record(monkeypatch):
    import pipeline.agents.ingest as ingest

    def broken(post, *, state, now):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(ingest, "enrich", broken)
    send = _route(raw_post_bytes(1))
    letter = DeadLetter.model_validate(json.loads(send.value))
    assert letter.reason == DeadReason.PROCESSING_ERROR and "ZeroDivisionError" in letter.error
