"""From a model's own labels to Luister's two tasks: sentiment and intent.

Any sequence-classification model can be used if each of its labels (config
``id2label``) says which of our labels it stands for. Three shapes are read
automatically:

- a single task label from the alias table: ``positive``, ``NEG``, ``klacht``,
  ``1 star`` .. ``5 stars`` (1-2 negative, 3 neutral, 4-5 positive; the
  multilingual review-star models);
- a joint label ``sentiment|intent`` such as ``negative|complaint``: the model has
  one softmax over every combination (Luister's default model has 12), and the
  probability of a sentiment is the sum over all joint labels with it;
- anything else (``LABEL_0`` ...) needs an explicit label map from the settings:
  ``{"LABEL_0": {"sentiment": "negative"}, ...}``. A label map overrides the
  automatic reading; mapping a label to ``{}`` ignores it (its probability is
  left out and the task's distribution renormalized).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from schemas import INTENTS, SENTIMENTS

Task = Literal["sentiment", "intent"]
TASKS: dict[Task, tuple[str, ...]] = {"sentiment": SENTIMENTS, "intent": INTENTS}

LabelMap = Mapping[str, Mapping[str, str]]
"""A model label -> {"sentiment": ours} and/or {"intent": ours}, from the settings."""

# Spellings seen on public Dutch, English and multilingual checkpoints (and Dutch words
# a team writes when it labels its own data), compared case-insensitively.
ALIASES: dict[str, tuple[Task, str]] = {
    **{name: ("sentiment", "positive") for name in ("positive", "pos", "positief", "positiv", "good")},
    **{name: ("sentiment", "neutral") for name in ("neutral", "neu", "neutraal", "neutre", "mixed")},
    **{name: ("sentiment", "negative") for name in ("negative", "neg", "negatief", "negativ", "bad")},
    **{name: ("intent", "question") for name in ("question", "vraag", "vragen")},
    **{name: ("intent", "complaint") for name in ("complaint", "klacht", "klachten")},
    **{name: ("intent", "compliment") for name in ("compliment", "complimenten", "praise", "lof")},
    **{name: ("intent", "other") for name in ("other", "overig", "overige", "anders", "none")},
}
_STARS = re.compile(r"^([1-5])\s*stars?$")
_STAR_SENTIMENT = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}


class LabelError(ValueError):
    """Raised by ``resolve_labels`` when a model's labels cannot be mapped to ours.

    The message names the labels and shows the setting that fixes it; loading the
    model fails with it, so a worker never starts with a model it cannot read.
    """


@dataclass(frozen=True)
class Resolution:
    """For each task, the index of our label for each of the model's labels (None: not this task).

    ``sentiment`` is None when no model label says anything about sentiment (and the same for
    ``intent``): such a model yields no judgement for that task.
    """

    sentiment: tuple[int | None, ...] | None
    intent: tuple[int | None, ...] | None

    def of(self, task: Task) -> tuple[int | None, ...] | None:
        """The index tuple for one task."""
        return self.sentiment if task == "sentiment" else self.intent


def read_label(label: str) -> dict[Task, str] | None:
    """Our labels for one model label read automatically, or None when it has no known shape."""
    parts = [part.strip().casefold() for part in label.split("|")]
    found: dict[Task, str] = {}
    for part in parts:
        hit = _read_part(part)
        if hit is None or hit[0] in found:
            return None  # unknown, or two parts for one task: ambiguous
        found[hit[0]] = hit[1]
    return found


def _read_part(part: str) -> tuple[Task, str] | None:
    if part in ALIASES:
        return ALIASES[part]
    stars = _STARS.match(part)
    return ("sentiment", _STAR_SENTIMENT[int(stars.group(1))]) if stars else None


def resolve_labels(id2label: Mapping[int, str], label_map: LabelMap | None = None) -> Resolution:
    """Map every label of a model (``config.id2label``) to our sentiment and intent labels.

    ``label_map`` entries win over automatic reading; keys match model labels exactly or,
    failing that, case-insensitively. Raises LabelError naming every label that could not be
    mapped, a label map entry with an unknown task or label, or a model that maps to no task.
    """
    by_fold = {str(k).casefold(): v for k, v in (label_map or {}).items()}
    mapped: list[dict[Task, str]] = []
    unknown: list[str] = []
    for index in sorted(id2label):
        label = str(id2label[index])
        if label_map is not None and (label in label_map or label.casefold() in by_fold):
            entry = label_map[label] if label in label_map else by_fold[label.casefold()]
            mapped.append(_checked_entry(label, entry))
        else:
            found = read_label(label)
            if found is None:
                unknown.append(label)
            mapped.append(found or {})
    if unknown:
        example = ', '.join(f'"{label}": {{"sentiment": "..."}}' for label in unknown[:3])
        raise LabelError(
            f"cannot map the model's labels {unknown} to Luister's labels (sentiment {list(SENTIMENTS)}, "
            f"intent {list(INTENTS)}); give a label map in the settings, e.g. "
            f"LUISTER_CLASSIFY__LABEL_MAP='{{{example}}}'"
        )
    tasks: dict[Task, tuple[int | None, ...] | None] = {}
    for task, ours in TASKS.items():
        column = tuple(ours.index(m[task]) if task in m else None for m in mapped)
        tasks[task] = column if any(i is not None for i in column) else None
    if tasks["sentiment"] is None and tasks["intent"] is None:
        raise LabelError(f"none of the model's labels {[id2label[i] for i in sorted(id2label)]} "
                         "says anything about sentiment or intent")
    return Resolution(sentiment=tasks["sentiment"], intent=tasks["intent"])


def unused_keys(label_map: LabelMap | None, labels: list[str]) -> list[str]:
    """Label map keys that name none of ``labels`` (case-insensitively): a typo would otherwise go unnoticed."""
    folded = {label.casefold() for label in labels}
    return [key for key in (label_map or {}) if str(key).casefold() not in folded]


def _checked_entry(label: str, entry: Mapping[str, str]) -> dict[Task, str]:
    checked: dict[Task, str] = {}
    for task, ours in entry.items():
        if task not in TASKS:
            raise LabelError(f"label map entry for {label!r}: unknown task {task!r}; use 'sentiment' or 'intent'")
        if ours not in TASKS[task]:  # type: ignore[index]
            raise LabelError(f"label map entry for {label!r}: {ours!r} is not a {task} label; "
                             f"use one of {list(TASKS[task])}")  # type: ignore[index]
        checked[task] = ours  # type: ignore[index]
    return checked
