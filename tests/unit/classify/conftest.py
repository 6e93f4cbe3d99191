"""A tiny but real sequence-classification model, built once per test session.

A 2-layer BERT (hidden 32) with a word-level tokenizer over a few Dutch words,
random weights (seeded): it judges nonsense, quickly, through exactly the code
path of any hub model (save_pretrained directory, AutoTokenizer, ONNX export).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

JOINT_LABELS = [f"{s}|{i}" for s in ("positive", "neutral", "negative")
                for i in ("question", "complaint", "compliment", "other")]
WORDS = ("ik ben blij met de service waar blijft mijn pakket slecht goed bedankt vraag klacht "
         "weer vertraging jongens niet nooit meer problemen gehad top hoe laat is het the parcel is late").split()
MAX_TOKENS = 128  # the model's position limit: long texts must be cut to it


def build_model(path: Path, labels: Sequence[str], *, seed: int = 0, onnx: bool = False,
                card: dict | None = None) -> Path:
    """Save a tiny model with these labels (id2label) to ``path``; optionally with ONNX exports and luister.json."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {token: i for i, token in enumerate(specials + sorted(set(WORDS)))}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]",
                                        cls_token="[CLS]", sep_token="[SEP]", model_max_length=MAX_TOKENS)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=MAX_TOKENS,
                        # wide random weights, so that different texts get different labels and unsaturated scores
                        initializer_range=0.5,
                        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)})
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    if onnx:
        _export(model, tokenizer, path / "onnx")
    if card is not None:
        (path / "luister.json").write_text(json.dumps(card))
    return path


def _export(model, tokenizer, folder: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Logits(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    folder.mkdir()
    sample = tokenizer(["ik ben blij", "waar blijft mijn pakket nou"], padding=True, return_tensors="pt")
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "logits": {0: "batch"}}
    torch.onnx.export(Logits(model), (sample["input_ids"], sample["attention_mask"]), str(folder / "model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"], dynamic_axes=axes,
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(folder / "model.onnx"), str(folder / "model.int8.onnx"), weight_type=QuantType.QInt8)


@pytest.fixture(scope="session")
def make_model(tmp_path_factory) -> Callable[..., Path]:
    """build_model into a fresh directory of the session's temporary folder."""
    def make(labels: Sequence[str], **options) -> Path:
        return build_model(tmp_path_factory.mktemp("model"), labels, **options)
    return make


@pytest.fixture(scope="session")
def joint_model(make_model) -> Path:
    """Luister's label scheme (12 joint labels), with fp32 and int8 ONNX exports."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer warnings
        return make_model(JOINT_LABELS, onnx=True)
