"""Preparing texts for a model and cutting them into batches: pure helpers of the classifier.

Padding makes every text in a batch as long as its longest, so texts are sorted by
length before they are cut into batches (a batch of tweets is not padded to the
length of a review); callers get their results back in input order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Characters that carry no meaning for a model and can trip a tokenizer: C0/C1 controls
# (tab and newlines become spaces below), lone surrogates (a JSON "\ud800" decodes to one,
# and the Rust tokenizers cannot encode it), zero-width and bidi controls, BOM.
# The zero-width joiner (U+200D) stays: it glues emoji sequences such as 👨‍👩‍👧 together.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u200b\u200c\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_SPACE = re.compile(r"\s+")

# A subword token covers about 4-5 characters of Dutch; 8 per token leaves margin enough that
# the tokenizer's own truncation decides where a text ends, while a 100,000-character post is
# never tokenized whole (that costs ~100x more than the model call on the part that is kept).
CHARS_PER_TOKEN = 8


def char_budget(max_length: int) -> int:
    """How many characters of a text are worth tokenizing when the model reads ``max_length`` tokens."""
    return max_length * CHARS_PER_TOKEN


def prepare_text(text: str, max_chars: int) -> str | None:
    """The text as a model should see it, or None when nothing is left to classify.

    Control characters are removed, whitespace collapsed, and the text cut to ``max_chars``.
    Only empty, whitespace-only and control-only texts give None: emoji and punctuation stay
    ("😡😡" and "??" carry sentiment).
    """
    cleaned = _SPACE.sub(" ", _CONTROLS.sub("", text)).strip()
    return cleaned[:max_chars].rstrip() or None


def plan_batches(texts: Sequence[str | None], size: int) -> list[list[int]]:
    """Indices of the non-None texts, sorted by length (stable) and cut into batches of at most ``size``."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    order = sorted((i for i, text in enumerate(texts) if text is not None), key=lambda i: len(texts[i] or ""))
    return [order[start:start + size] for start in range(0, len(order), size)]
