from datetime import UTC, datetime

import pytest

from processors.classify.model import load_classifier
from processors.classify.priority import PriorityPolicy
from processors.classify.stage import classify_posts
from processors.outcome import Fail, Keep
from schemas import INTENTS, SENTIMENTS, DeadReason, EnrichedPost
from tests.helpers import raw_post_dict

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
POLICY = PriorityPolicy(owned_accounts=frozenset({"bestelbaas"}))


class Breaks:
    """A real classifier that raises whenever a text with 'BOEM' is in the call (a model bug stand-in)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.calls = 0

    def classify(self, texts):
        self.calls += 1
        if any("BOEM" in t for t in texts):
            raise RuntimeError("model exploded")
        return self.inner.classify(texts)


@pytest.fixture(scope="module")
def classifier(joint_model):
    return load_classifier(joint_model, backend="torch")


def enriched(n, **overrides) -> EnrichedPost:
    return EnrichedPost(**raw_post_dict(n, **overrides), enriched_at=NOW, stages=["validate", "normalize"])


def test_every_post_gets_judgements_priority_and_the_stage(classifier):
    posts = [enriched(1), enriched(2, text="ik ben blij met de service"), enriched(3, text="   ")]
    done = classify_posts(posts, classifier, POLICY)
    assert done.batch_error is None and all(isinstance(o, Keep) for o in done.outcomes)
    first, second, empty = (o.record for o in done.outcomes)
    assert first.sentiment.label in SENTIMENTS and first.intent.label in INTENTS
    assert first.stages == ["validate", "normalize", "classify"] and first.priority in ("high", "normal", "low")
    assert first.post_id == "x:t1" and second.post_id == "x:t2"
    assert (empty.sentiment, empty.intent, empty.priority) == (None, None, "normal")


def test_a_title_is_read_with_the_text():
    from processors.classify.stage import text_of

    assert text_of(enriched(1, title="Nooit meer", text="slecht")) == "Nooit meer\nslecht"
    assert text_of(enriched(1, text="slecht")) == "slecht"


def test_a_failing_batch_is_retried_post_by_post_and_only_the_culprit_fails(classifier):
    breaks = Breaks(classifier)
    posts = [enriched(1), enriched(2, text="BOEM"), enriched(3)]
    done = classify_posts(posts, breaks, POLICY)
    assert "model exploded" in done.batch_error and breaks.calls == 1 + 3
    kept, failed, also_kept = done.outcomes
    assert isinstance(kept, Keep) and isinstance(also_kept, Keep) and kept.record.sentiment is not None
    assert isinstance(failed, Fail) and failed.reason is DeadReason.PROCESSING_ERROR
    assert failed.error.startswith("classify: RuntimeError: model exploded")
