"""Load a sequence-classification model (a local directory or a hub id) and judge texts with it.

Every model goes through the same path: Luister's own default model and any
Hugging Face checkpoint (a RobBERT sentiment fine-tune, a multilingual star
model) are directories with ``config.json`` (``id2label``), tokenizer files and
weights; ``processors/classify/labels.py`` maps their labels to ours.

Backends: ``torch`` (transformers, eager) or ONNX Runtime on ``onnx/model.onnx``
(``onnx``) or ``onnx/model.int8.onnx`` (``onnx-int8``), exported with inputs
``input_ids`` and ``attention_mask`` (int64, dynamic batch and sequence axes) and
output ``logits``. ``auto`` takes the backend the model directory recommends in
its optional ``luister.json`` (``{"backend": "onnx-int8", "name": "..."}``), else
torch. Both backends use the same tokenizer and the same numpy softmax, so they
differ only in the model call.

Nothing is downloaded unless ``allow_download`` is set: a machine without a
network gets a clear error that says how to fetch a model (`luister model pull`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from processors.classify.batch import char_budget, plan_batches, prepare_text
from processors.classify.labels import TASKS, LabelError, LabelMap, Resolution, Task, resolve_labels, unused_keys
from schemas import Judgement

Backend = Literal["auto", "torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("auto", "torch", "onnx", "onnx-int8")
ONNX_FILES = {"onnx": "onnx/model.onnx", "onnx-int8": "onnx/model.int8.onnx"}
CARD_FILE = "luister.json"
# Dynamic int8 quantizes each call's activations with one scale for the whole batch, so a post's
# label would depend on the posts it happens to share a batch with (32 of 567 held-out posts
# changed label between batch 1 and 16). These backends run one post per call: a post's
# judgement is a function of its text alone, and the same post always gets the same labels.
PER_POST_BACKENDS = frozenset({"onnx-int8"})
# 256 tokens hold a long review's opening paragraphs; sentiment and intent show there, and
# attention cost grows with the square of the length.
DEFAULT_MAX_LENGTH = 256

Pair = tuple[Judgement | None, Judgement | None]
"""(sentiment, intent) for one text; None where the text was empty or the model has no such labels."""

Scorer = Callable[[list[str]], np.ndarray]
"""Texts -> logits, shape (len(texts), number of model labels)."""

Tokenize = Callable[[list[str], int], dict[str, np.ndarray]]
"""(texts, max tokens) -> padded int64 arrays: input_ids, attention_mask and, where the tokenizer has them, token_type_ids."""


class ModelError(Exception):
    """Raised by ``load_classifier`` when a model cannot be found, read or mapped.

    The worker's start fails with its message (which says how to fix it), and
    ``luister classify`` prints it; nothing is retried.
    """


class TextClassifier(Protocol):
    """What the classify stage needs: a name for people and a batch call."""

    name: str

    def classify(self, texts: Sequence[str]) -> list[Pair]: ...


@dataclass(frozen=True)
class Classifier:
    """One loaded model: judges sentiment, intent or both, depending on its labels.

    ``classify`` cleans the texts, skips empty ones, runs the model over batches of at
    most ``batch_size`` texts sorted by length, and returns results in input order.
    Thread-safe for one caller at a time (the ingest worker uses one executor thread).
    """

    name: str
    backend: Backend
    labels: tuple[str, ...]
    resolution: Resolution
    logits: Scorer
    batch_size: int = 16
    max_chars: int = char_budget(DEFAULT_MAX_LENGTH)

    @property
    def tasks(self) -> tuple[Task, ...]:
        """The tasks this model has labels for."""
        return tuple(task for task in TASKS if self.resolution.of(task) is not None)

    def classify(self, texts: Sequence[str]) -> list[Pair]:
        """(sentiment, intent) per text, in input order; (None, None) for empty or control-only text."""
        prepared = [prepare_text(text, self.max_chars) for text in texts]
        results: list[Pair] = [(None, None)] * len(prepared)
        for batch in plan_batches(prepared, self.batch_size):
            probs = softmax(self.logits([prepared[i] or "" for i in batch]))
            sentiment = self._judge("sentiment", probs)
            intent = self._judge("intent", probs)
            for row, index in enumerate(batch):
                results[index] = (sentiment[row], intent[row])
        return results

    def _judge(self, task: Task, probs: np.ndarray) -> list[Judgement | None]:
        columns = self.resolution.of(task)
        if columns is None:
            return [None] * len(probs)
        ours = TASKS[task]
        marginal = marginals(probs, columns, len(ours))
        best = marginal.argmax(axis=1)
        return [
            Judgement(label=ours[j], score=min(1.0, max(0.0, float(marginal[row, j]))), model=self.name)
            for row, j in enumerate(best)
        ]


@dataclass(frozen=True)
class ClassifierPair:
    """Sentiment from one model and intent from another (e.g. a hub RobBERT sentiment
    model next to Luister's own model for intent); each runs once per call."""

    sentiment: Classifier
    intent: Classifier

    @property
    def name(self) -> str:
        return f"{self.sentiment.name} + {self.intent.name}"

    def classify(self, texts: Sequence[str]) -> list[Pair]:
        """(sentiment of the first model, intent of the second) per text, in input order."""
        by_sentiment = self.sentiment.classify(texts)
        by_intent = self.intent.classify(texts)
        return [(s[0], i[1]) for s, i in zip(by_sentiment, by_intent, strict=True)]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64 (stable: the row maximum is subtracted first)."""
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def marginals(probs: np.ndarray, columns: Sequence[int | None], width: int) -> np.ndarray:
    """Per row, the probability of each of our ``width`` labels: the sum over the model labels
    mapped to it (``columns[i]`` is our label for model label i, None to leave it out),
    renormalized so that left-out labels do not shrink the scores."""
    matrix = np.zeros((len(columns), width))
    for model_label, ours in enumerate(columns):
        if ours is not None:
            matrix[model_label, ours] = 1.0
    summed = probs @ matrix
    return summed / np.maximum(summed.sum(axis=1, keepdims=True), 1e-12)


def load_classifiers(
    model: str | Path, intent_model: str | Path | None = None, *, label_map: LabelMap | None = None, **options: Any
) -> Classifier | ClassifierPair:
    """The classifier the settings describe: one model for both tasks, or ``model`` for sentiment
    and ``intent_model`` for intent. Naming the same model twice loads it once.

    ``options`` are those of ``load_classifier``. Raises ModelError when a model is missing,
    lacks the labels of the task it is asked for, or a label map key names no model label.
    """
    if intent_model is None or _same(model, intent_model):
        return load_classifier(model, label_map=label_map, **options)
    sentiment = _load(model, label_map=label_map, **options)
    intent = _load(intent_model, label_map=label_map, **options)
    for task, loaded in (("sentiment", sentiment), ("intent", intent)):
        if task not in loaded.tasks:
            raise ModelError(f"{loaded.name!r} is set as the {task} model but has no {task} labels: {loaded.labels}")
    _check_keys(label_map, [*sentiment.labels, *intent.labels])
    return ClassifierPair(sentiment=sentiment, intent=intent)


def load_classifier(
    ref: str | Path,
    *,
    backend: Backend = "auto",
    allow_download: bool = False,
    max_length: int = DEFAULT_MAX_LENGTH,
    threads: int = 2,
    batch_size: int = 16,
    label_map: LabelMap | None = None,
) -> Classifier:
    """Load one model from a directory or a hub id, ready to classify.

    ``ref``: a local model directory, or a hub id (read from the local hub cache; fetched
    only with ``allow_download``). ``backend``: see the module docstring. ``max_length``:
    tokens read per text (capped by what the model supports). ``threads``: CPU threads of
    the model call. ``batch_size``: texts per model call. ``label_map``: model label ->
    our labels, overriding the automatic reading. Raises ModelError with a message that says
    what to do.
    """
    classifier = _load(ref, backend=backend, allow_download=allow_download, max_length=max_length,
                       threads=threads, batch_size=batch_size, label_map=label_map)
    _check_keys(label_map, list(classifier.labels))
    return classifier


def _load(
    ref: str | Path, *, backend: Backend = "auto", allow_download: bool = False, max_length: int = DEFAULT_MAX_LENGTH,
    threads: int = 2, batch_size: int = 16, label_map: LabelMap | None = None,
) -> Classifier:
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend {backend!r}; use one of {BACKENDS}")
    directory = locate_model(ref, allow_download=allow_download)
    card = read_card(directory)
    chosen: Backend = card.get("backend", "torch") if backend == "auto" else backend
    if chosen not in BACKENDS or chosen == "auto":
        raise ModelError(f"{directory / CARD_FILE}: unknown backend {chosen!r}; use one of {BACKENDS[1:]}")

    config = _read_json(directory / "config.json")
    labels = _labels(config, directory)
    try:
        resolution = resolve_labels(dict(enumerate(labels)), label_map)
    except LabelError as exc:
        raise ModelError(f"{ref}: {exc}") from exc
    if chosen != "torch" and (directory / "tokenizer.json").is_file():
        tokenize, model_max = _plain_tokenizer(directory)  # ONNX without transformers: no torch in the process
    else:
        tokenize, model_max = _transformers_tokenizer(directory)
    length = min(max_length, model_max, int(config.get("max_position_embeddings", max_length)))
    if chosen == "torch":
        logits = _torch_scorer(directory, tokenize, length, threads)
    else:
        logits = _onnx_scorer(directory / ONNX_FILES[chosen], tokenize, length, threads)
    # One call now: a model whose output does not fit its labels fails the start, not every batch
    # later, and the first real batch does not pay the warm-up.
    width = logits(["Luister"]).shape[-1]
    if width != len(labels):
        raise ModelError(f"{directory} ({chosen}) gives {width} scores per text but its config has {len(labels)} "
                         "labels; was the ONNX file exported from another checkpoint?")
    if chosen in PER_POST_BACKENDS:
        batch_size = 1
    return Classifier(name=str(card.get("name") or ref), backend=chosen, labels=labels, resolution=resolution,
                      logits=logits, batch_size=batch_size, max_chars=char_budget(length))


def locate_model(ref: str | Path, *, allow_download: bool) -> Path:
    """The local directory of a model: ``ref`` itself when it is a directory, else the hub
    cache's copy of hub id ``ref`` (downloaded first only when ``allow_download``)."""
    path = Path(ref).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a model directory: it has no config.json")
        return path
    if path.exists():
        raise ModelError(f"{path} is a file; a model is a directory with config.json, tokenizer and weights")
    from huggingface_hub import snapshot_download

    try:
        if not allow_download:
            return Path(snapshot_download(str(ref), local_files_only=True))
        from huggingface_hub import list_repo_files

        return Path(snapshot_download(str(ref), allow_patterns=hub_files(list_repo_files(str(ref)))))
    except Exception as exc:  # the hub client raises OSError, ValueError and httpx errors alike
        if allow_download:
            raise ModelError(f"could not download {ref!r} from the Hugging Face Hub ({type(exc).__name__}: {exc}); "
                             "check the model id and the network") from exc
        raise ModelError(
            f"no model at {ref!r}: no such directory, and no hub model of that id in the local cache. "
            f"Build Luister's default model with `luister model train`, or fetch a hub model on a machine with "
            f"internet: `luister model pull MODEL_ID --dest models/NAME`, then set LUISTER_CLASSIFY__MODEL=models/NAME"
        ) from exc


def hub_files(repo_files: Sequence[str]) -> list[str]:
    """The files of a hub repository a classifier needs: config, tokenizer, one weights format
    (safetensors when there, else PyTorch .bin), our ONNX files and card; not TF/Flax/other ONNX."""
    wanted = [f for f in repo_files if "/" not in f and (f.endswith((".json", ".txt", ".model")))]
    weights = [f for f in repo_files if "/" not in f and f.endswith(".safetensors")]
    if not weights:
        weights = [f for f in repo_files if "/" not in f and f.startswith("pytorch_model") and f.endswith(".bin")]
    return sorted({*wanted, *weights, *(f for f in repo_files if f in ONNX_FILES.values())})


def read_card(directory: Path) -> dict[str, Any]:
    """The model directory's optional ``luister.json`` (backend recommendation, name); {} when absent."""
    path = directory / CARD_FILE
    return _read_json(path) if path.is_file() else {}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path} must hold a JSON object")
    return data


def _labels(config: dict[str, Any], directory: Path) -> tuple[str, ...]:
    """The model's labels in output order, as transformers reads them (``LABEL_n`` when unnamed)."""
    id2label = config.get("id2label")
    if not id2label:
        return tuple(f"LABEL_{i}" for i in range(int(config.get("num_labels", 2))))
    try:
        ordered = sorted((int(i), str(label)) for i, label in id2label.items())
    except (AttributeError, ValueError) as exc:
        raise ModelError(f"{directory / 'config.json'}: id2label must map numbers to names") from exc
    if [i for i, _ in ordered] != list(range(len(ordered))):
        raise ModelError(f"{directory / 'config.json'}: id2label must number its labels 0..{len(ordered) - 1}")
    return tuple(label for _, label in ordered)


def _transformers_tokenizer(directory: Path) -> tuple[Tokenize, int]:
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a "Loading weights" bar per load is noise in worker logs and the CLI
    try:
        tokenizer = AutoTokenizer.from_pretrained(directory)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the tokenizer in {directory}: {exc}") from exc

    def tokenize(texts: list[str], max_length: int) -> dict[str, np.ndarray]:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="np")
        return {name: np.asarray(values, dtype=np.int64) for name, values in batch.items()}

    return tokenize, int(min(tokenizer.model_max_length, 1 << 20))


def _plain_tokenizer(directory: Path) -> tuple[Tokenize, int]:
    """The fast tokenizer in ``tokenizer.json`` read with the ``tokenizers`` library alone.

    transformers would import torch (about 700 MiB resident) just to tokenize; the
    ONNX backends need neither. Same pieces, same padding and truncation as
    transformers (``tests/unit/classify`` holds the two to equal ids)."""
    from tokenizers import Tokenizer

    settings = _read_json(directory / "tokenizer_config.json") if (directory / "tokenizer_config.json").is_file() \
        else {}
    try:
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    except Exception as exc:  # the Rust side raises a bare Exception on malformed files
        raise ModelError(f"cannot read {directory / 'tokenizer.json'}: {exc}") from exc
    pad = settings.get("pad_token")
    pad = pad.get("content") if isinstance(pad, dict) else pad
    pad_id = tokenizer.token_to_id(pad) if pad else None
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def tokenize(texts: list[str], max_length: int) -> dict[str, np.ndarray]:
        tokenizer.enable_truncation(max_length)
        tokenizer.enable_padding(direction=settings.get("padding_side", "right"), pad_id=pad_id or 0,
                                 pad_token=pad or "[PAD]")
        encodings = tokenizer.encode_batch(texts)
        return {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}

    return tokenize, int(min(settings.get("model_max_length", 1 << 20), 1 << 20))


def _torch_scorer(directory: Path, tokenize: Tokenize, max_length: int, threads: int) -> Scorer:
    import torch
    from transformers import AutoModelForSequenceClassification

    # Process-wide: the worker's executor thread and every later model call use this many.
    torch.set_num_threads(threads)
    model = AutoModelForSequenceClassification.from_pretrained(directory).eval()

    def score(texts: list[str]) -> np.ndarray:
        batch = {name: torch.from_numpy(values) for name, values in tokenize(texts, max_length).items()}
        with torch.inference_mode():
            return model(**batch).logits.float().numpy()

    return score


def _onnx_scorer(path: Path, tokenize: Tokenize, max_length: int, threads: int) -> Scorer:
    import onnxruntime as ort

    if not path.is_file():
        raise ModelError(f"{path} does not exist: this model has no ONNX export for that backend; "
                         "use backend 'torch' or export the model to ONNX first")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # one graph at a time: parallelism lives inside the operators
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    inputs = [i.name for i in session.get_inputs()]
    unknown = set(inputs) - {"input_ids", "attention_mask", "token_type_ids"}
    if unknown:
        raise ModelError(f"{path}: unexpected inputs {sorted(unknown)}; expected input_ids and attention_mask")
    outputs = [o.name for o in session.get_outputs()]
    output = "logits" if "logits" in outputs else outputs[0]

    def score(texts: list[str]) -> np.ndarray:
        batch = tokenize(texts, max_length)
        feed = {name: batch[name] if name in batch else np.zeros_like(batch["input_ids"]) for name in inputs}
        return session.run([output], feed)[0]

    return score


def _check_keys(label_map: LabelMap | None, labels: list[str]) -> None:
    unused = unused_keys(label_map, labels)
    if unused:
        raise ModelError(f"the label map names labels the model does not have: {unused}; its labels are {labels}")


def _same(a: str | Path, b: str | Path) -> bool:
    pa, pb = Path(a).expanduser(), Path(b).expanduser()
    if pa.exists() and pb.exists():
        return pa.resolve() == pb.resolve()
    return str(a) == str(b)
