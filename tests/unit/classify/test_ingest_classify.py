"""The classify stage inside the ingest worker's batch, without Kafka (pipeline/agents/ingest.py)."""

import asyncio
import base64
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from pipeline.agents.ingest import Origin, Send, classify_kept, process_raw
from pipeline.settings import Settings
from processors.classify.model import load_classifier
from processors.classify.priority import PriorityPolicy
from processors.enrich import EnrichState
from processors.outcome import Drop
from schemas import DeadLetter, DeadReason, EnrichedPost, Topic
from tests.helpers import raw_post_bytes
from tests.unit.classify.test_stage import Breaks

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
POLICY = PriorityPolicy(owned_accounts=frozenset({"bestelbaas"}))


@pytest.fixture(scope="module")
def classifier(joint_model):
    return load_classifier(joint_model, backend="torch")


def _ingest(values, classifier):
    settings = Settings(_env_file=None)
    state = EnrichState(guesser=type("Dutch", (), {"guess": lambda self, text: ("nl", 0.99)})())
    origins = [Origin(value, None, 0, offset) for offset, value in enumerate(values)]
    results = [process_raw(o, settings=settings, state=state, worker="w", now=NOW) for o in origins]
    with ThreadPoolExecutor(max_workers=1) as executor:
        return asyncio.run(classify_kept(results, origins, classifier=classifier, policy=POLICY, executor=executor,
                                         settings=settings, worker="w", now=NOW))


def test_the_ingest_batch_is_classified_and_a_failing_post_goes_to_the_dead_letters(classifier):
    values = [raw_post_bytes(1), b"{kapot", raw_post_bytes(2, text="BOEM"), raw_post_bytes(3)]
    first, bad_json, boom, third = _ingest(values, Breaks(classifier))
    for send in (first, third):
        post = EnrichedPost.model_validate_json(send.value)
        assert send.to is Topic.ENRICHED and post.stages[-1] == "classify" and post.sentiment is not None
    letter = DeadLetter.model_validate(json.loads(bad_json.value))
    assert (letter.stage, letter.reason) == ("validate", DeadReason.INVALID_JSON)
    letter = DeadLetter.model_validate(json.loads(boom.value))
    assert (letter.stage, letter.reason, letter.offset) == ("classify", DeadReason.PROCESSING_ERROR, 2)
    assert base64.b64decode(letter.payload_b64) == values[2]  # the original record, replayable


def test_without_a_classifier_posts_leave_unclassified():
    (send,) = _ingest([raw_post_bytes(1)], None)
    post = EnrichedPost.model_validate_json(send.value)
    assert isinstance(send, Send) and post.sentiment is None and "classify" not in post.stages


def test_drops_pass_through(classifier):
    drop = Drop("irrelevant")
    with ThreadPoolExecutor(max_workers=1) as executor:
        routes = asyncio.run(classify_kept([drop], [Origin(b"", None, 0, 0)], classifier=classifier, policy=POLICY,
                                           executor=executor, settings=Settings(_env_file=None), worker="w",
                                           now=NOW))
    assert routes == [drop]


def test_a_bug_in_the_classify_stage_parks_the_batch(classifier, monkeypatch):
    def broken(post, sentiment, intent, policy):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr("processors.classify.stage.priority", broken)
    sends = _ingest([raw_post_bytes(1), raw_post_bytes(2)], classifier)
    for send in sends:
        letter = DeadLetter.model_validate(json.loads(send.value))
        assert (letter.stage, letter.reason) == ("classify", DeadReason.PROCESSING_ERROR)
        assert "ZeroDivisionError" in letter.error
