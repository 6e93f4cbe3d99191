"""Stage 'classify': sentiment, intent and priority for a batch of enriched posts.

The batch is judged in one classifier call (the model batches inside it). If that
call raises, each post is tried on its own, so one text that breaks the model
costs only that post: it fails with ``processing_error`` and goes to the dead
letters, the rest go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from processors.classify.model import Pair, TextClassifier
from processors.classify.priority import PriorityPolicy, priority
from processors.outcome import Fail, Keep
from schemas import DeadReason, EnrichedPost

STAGE = "classify"


@dataclass(frozen=True)
class Classified:
    """The outcome per post, in input order, and the error of the batch call when it had to be split."""

    outcomes: list[Keep[EnrichedPost] | Fail]
    batch_error: str | None = None


def text_of(post: EnrichedPost) -> str:
    """What the model reads: the title (a review's or thread's title often carries the verdict), then the text."""
    return f"{post.title}\n{post.text}" if post.title else post.text


def classify_posts(posts: Sequence[EnrichedPost], classifier: TextClassifier, policy: PriorityPolicy) -> Classified:
    """Judge every post and set ``sentiment``, ``intent``, ``priority`` and the 'classify' stage.

    Never raises for what the classifier raises: a failing batch is retried post by post, and a
    post that fails alone becomes ``Fail(PROCESSING_ERROR)``.
    """
    texts = [text_of(post) for post in posts]
    try:
        pairs: list[Pair | Exception] = list(classifier.classify(texts))
        batch_error = None
    except Exception as exc:  # a model error must not lose the batch: split it and find the culprit
        batch_error = f"{type(exc).__name__}: {exc}"
        pairs = [_one(classifier, text) for text in texts]
    outcomes: list[Keep[EnrichedPost] | Fail] = []
    for post, pair in zip(posts, pairs, strict=True):
        if isinstance(pair, Exception):
            outcomes.append(Fail(DeadReason.PROCESSING_ERROR, f"{STAGE}: {type(pair).__name__}: {pair}"))
        else:
            outcomes.append(Keep(judged(post, pair, policy)))
    return Classified(outcomes, batch_error)


def judged(post: EnrichedPost, pair: Pair, policy: PriorityPolicy) -> EnrichedPost:
    """The post with its judgements, its priority and 'classify' in its stages."""
    sentiment, intent = pair
    return post.model_copy(update={
        "sentiment": sentiment,
        "intent": intent,
        "priority": priority(post, sentiment, intent, policy),
        "stages": [*post.stages, STAGE],
    })


def _one(classifier: TextClassifier, text: str) -> Pair | Exception:
    try:
        return classifier.classify([text])[0]
    except Exception as exc:  # returned as a value: this post alone goes to the dead letters
        return exc
