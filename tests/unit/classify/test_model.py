import json
import shutil

import numpy as np
import pytest

from processors.classify.model import (
    Classifier, ClassifierPair, ModelError, hub_files, load_classifier, load_classifiers, marginals, softmax,
)
from schemas import INTENTS, SENTIMENTS
from tests.unit.classify.conftest import JOINT_LABELS

TEXTS = [
    "Waar blijft mijn pakket? Al weer vertraging jongens",
    "ik ben blij met de service, bedankt!",
    "niet slecht",
    "nooit meer problemen gehad",
    "hoe laat is het",
    "slecht slecht slecht " * 20,
    "goed",
]


def test_loads_a_model_directory_by_path(joint_model):
    classifier = load_classifier(joint_model, backend="torch")
    assert classifier.labels == tuple(JOINT_LABELS) and classifier.tasks == ("sentiment", "intent")
    assert classifier.name == str(joint_model) and classifier.backend == "torch"


def test_joint_labels_give_the_argmax_of_the_marginals(joint_model):
    """Checked against an independent computation from the raw transformers model."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(joint_model).eval()
    tokenizer = AutoTokenizer.from_pretrained(joint_model)
    with torch.no_grad():
        probs = torch.softmax(model(**tokenizer(TEXTS, padding=True, truncation=True, return_tensors="pt")).logits,
                              dim=-1).numpy()
    results = load_classifier(joint_model, backend="torch").classify(TEXTS)
    for row, (sentiment, intent) in zip(probs, results, strict=True):
        for judgement, part, names in ((sentiment, 0, SENTIMENTS), (intent, 1, INTENTS)):
            summed = {name: sum(p for p, label in zip(row, JOINT_LABELS) if label.split("|")[part] == name)
                      for name in names}
            best = max(summed, key=summed.get)
            assert judgement.label == best and judgement.score == pytest.approx(summed[best], abs=1e-5)
    assert len({s.label for s, _ in results}) > 1, "the tiny model should not judge every text alike"


def test_marginals_sum_joint_probabilities_and_can_outvote_the_top_joint_label():
    # top joint label is positive|other (0.3), but negative has 0.7 spread over four intents
    probs = np.zeros((1, 12))
    probs[0, JOINT_LABELS.index("positive|other")] = 0.3
    for intent in INTENTS:
        probs[0, JOINT_LABELS.index(f"negative|{intent}")] = 0.175
    columns = [SENTIMENTS.index(label.split("|")[0]) for label in JOINT_LABELS]
    summed = marginals(probs, columns, 3)
    assert summed.sum() == pytest.approx(1.0) and summed[0].argmax() == SENTIMENTS.index("negative")
    assert summed[0, SENTIMENTS.index("negative")] == pytest.approx(0.7)


def test_ignored_labels_are_left_out_and_the_rest_renormalized():
    summed = marginals(np.array([[0.5, 0.3, 0.2]]), [0, None, 2], 3)
    assert summed[0].tolist() == pytest.approx([0.5 / 0.7, 0.0, 0.2 / 0.7])


def test_softmax_is_stable_for_huge_logits():
    probs = softmax(np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32))
    assert np.isfinite(probs).all() and probs.sum() == pytest.approx(1.0) and probs[0, 0] == pytest.approx(1.0)


def test_results_keep_input_order_when_batches_are_sorted_by_length(joint_model):
    batched = load_classifier(joint_model, backend="torch", batch_size=2).classify(TEXTS)
    one_by_one = [load_classifier(joint_model, backend="torch", batch_size=1).classify([t])[0] for t in TEXTS]
    for (s1, i1), (s2, i2) in zip(batched, one_by_one, strict=True):
        assert (s1.label, i1.label) == (s2.label, i2.label)
        assert s1.score == pytest.approx(s2.score, abs=1e-5) and i1.score == pytest.approx(i2.score, abs=1e-5)


def test_onnx_agrees_with_torch(joint_model):
    torch_results = load_classifier(joint_model, backend="torch", batch_size=3).classify(TEXTS)
    onnx_results = load_classifier(joint_model, backend="onnx", batch_size=3).classify(TEXTS)
    for (s1, i1), (s2, i2) in zip(torch_results, onnx_results, strict=True):
        assert (s1.label, i1.label) == (s2.label, i2.label)
        assert abs(s1.score - s2.score) < 1e-4 and abs(i1.score - i2.score) < 1e-4


def test_onnx_int8_runs_the_quantized_file(joint_model):
    fp32 = load_classifier(joint_model, backend="onnx").classify(TEXTS)
    int8 = load_classifier(joint_model, backend="onnx-int8").classify(TEXTS)
    for sentiment, intent in int8:
        assert sentiment.label in SENTIMENTS and intent.label in INTENTS and 0 < sentiment.score <= 1
    # quantized weights move the scores: equal scores would mean the fp32 file was loaded
    assert [s.score for s, _ in int8] != pytest.approx([s.score for s, _ in fp32], abs=1e-6)


def test_auto_takes_the_backend_the_model_recommends(joint_model, tmp_path):
    assert load_classifier(joint_model).backend == "torch"  # no luister.json
    copy = shutil.copytree(joint_model, tmp_path / "m")
    (copy / "luister.json").write_text(json.dumps({"backend": "onnx", "name": "luister-nl-tiny"}))
    classifier = load_classifier(copy)
    assert classifier.backend == "onnx" and classifier.classify(["goed"])[0][0].model == "luister-nl-tiny"


def test_missing_onnx_file_is_a_clear_error(make_model):
    with pytest.raises(ModelError, match="no ONNX export"):
        load_classifier(make_model(JOINT_LABELS), backend="onnx")


BAD_INPUT = {
    "empty": "",
    "whitespace": " \n\t  ",
    "control only": "\x00\x07\u200b\ufeff",
    "emoji only": "😡😡😡",
    "100,000 characters": "waar blijft mijn pakket " * 4_200,
    "control characters": "waar\x00 blijft\x1b[31m mijn\u202e pakket\ud800",
    "English": "the parcel is late again, thanks for nothing",
    "Arabic": "الطرد متأخر مرة أخرى",
    "Chinese": "包裹又晚了",
}


def test_bad_input_never_raises_and_only_empty_text_is_skipped(joint_model):
    results = dict(zip(BAD_INPUT, load_classifier(joint_model, backend="torch").classify(list(BAD_INPUT.values()))))
    for name in ("empty", "whitespace", "control only"):
        assert results.pop(name) == (None, None)
    for name, (sentiment, intent) in results.items():
        assert sentiment.label in SENTIMENTS and intent.label in INTENTS, name


def test_labels_that_cannot_be_read_need_a_label_map(make_model):
    path = make_model(["LABEL_0", "LABEL_1", "LABEL_2"])
    with pytest.raises(ModelError, match=r"LABEL_0.*LUISTER_CLASSIFY__LABEL_MAP"):
        load_classifier(path)
    mapped = {"LABEL_0": {"sentiment": "negative"}, "LABEL_1": {"sentiment": "neutral"},
              "LABEL_2": {"sentiment": "positive"}}
    sentiment, intent = load_classifier(path, label_map=mapped).classify(["goed"])[0]
    assert sentiment.label in SENTIMENTS and intent is None


def test_a_label_map_key_the_model_lacks_is_an_error(joint_model):
    with pytest.raises(ModelError, match="LABEL_7"):
        load_classifier(joint_model, label_map={"LABEL_7": {"sentiment": "negative"}})


def test_star_model_judges_sentiment_only(make_model):
    path = make_model(["1 star", "2 stars", "3 stars", "4 stars", "5 stars"])
    classifier = load_classifier(path)
    assert classifier.tasks == ("sentiment",)
    sentiment, intent = classifier.classify(["slecht"])[0]
    assert sentiment.label in SENTIMENTS and intent is None


def test_sentiment_and_intent_from_two_models(make_model, joint_model):
    stars = make_model(["1 star", "2 stars", "3 stars", "4 stars", "5 stars"], seed=1)
    pair = load_classifiers(stars, joint_model, backend="torch")
    assert isinstance(pair, ClassifierPair)
    sentiment, intent = pair.classify(["waar blijft mijn pakket"])[0]
    assert sentiment.model == str(stars) and intent.model == str(joint_model)
    with pytest.raises(ModelError, match="no intent labels"):
        load_classifiers(joint_model, stars)


def test_the_same_model_twice_is_loaded_once(joint_model):
    assert isinstance(load_classifiers(joint_model, str(joint_model) + "/", backend="torch"), Classifier)


@pytest.mark.parametrize("ref", ["models/bestaat-niet", "acme/onbekend-model"])
def test_a_missing_model_says_how_to_get_one(ref, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # belt and braces: this test must never reach a network
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError, match="luister model pull"):
        load_classifier(ref)


def test_a_directory_without_config_is_not_a_model(tmp_path):
    with pytest.raises(ModelError, match="no config.json"):
        load_classifier(tmp_path)


def test_hub_files_take_one_weights_format_and_our_onnx_files():
    files = ["config.json", "tokenizer.json", "merges.txt", "model.safetensors", "pytorch_model.bin",
             "tf_model.h5", "onnx/model.onnx", "onnx/model_fp16.onnx", "README.md", ".gitattributes"]
    assert hub_files(files) == ["config.json", "merges.txt", "model.safetensors", "onnx/model.onnx", "tokenizer.json"]
    assert "pytorch_model.bin" in hub_files(["config.json", "pytorch_model.bin"])


def test_an_onnx_file_from_another_checkpoint_is_refused(make_model, joint_model, tmp_path):
    stars = shutil.copytree(make_model(["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]), tmp_path / "stars")
    shutil.copytree(joint_model / "onnx", stars / "onnx")  # 12 outputs, 5 labels
    with pytest.raises(ModelError, match="gives 12 scores per text but its config has 5 labels"):
        load_classifier(stars, backend="onnx")


def test_the_onnx_tokenizer_gives_transformers_ids_without_importing_it(joint_model):
    from processors.classify.model import _plain_tokenizer, _transformers_tokenizer

    plain, plain_max = _plain_tokenizer(joint_model)
    reference, reference_max = _transformers_tokenizer(joint_model)
    assert plain_max == reference_max == 128
    texts = [*TEXTS, "", "😡😡 👏", "blij " * 400]  # padding, unknown pieces, a text cut at 16 tokens
    ours, theirs = plain(texts, 16), reference(texts, 16)
    for name in ("input_ids", "attention_mask"):
        assert ours[name].shape == theirs[name].shape == (len(texts), 16)
        assert (ours[name] == theirs[name]).all(), name


def test_an_onnx_backend_runs_without_torch_in_the_process(joint_model):
    """transformers imports torch (~700 MiB resident): the ONNX path must not need either."""
    import subprocess
    import sys

    probe = ("import sys; from processors.classify.model import load_classifier; "
             f"c = load_classifier({str(joint_model)!r}, backend='onnx-int8'); c.classify(['waar blijft mijn pakket']); "
             "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_an_int8_judgement_depends_on_the_post_alone_not_on_its_batch(joint_model):
    """Dynamic int8 scales activations per call: batched, a post's scores would move with its batch-mates."""
    from dataclasses import replace

    classifier = load_classifier(joint_model, backend="onnx-int8", batch_size=16)
    assert classifier.batch_size == 1
    alone = [classifier.classify([text])[0] for text in TEXTS]
    together = classifier.classify(TEXTS)
    assert [(s.score, i.score) for s, i in alone] == [(s.score, i.score) for s, i in together]
    # the reason for the rule: the same file, batched, does move scores
    batched = replace(classifier, batch_size=16).classify(TEXTS)
    assert [(s.score, i.score) for s, i in batched] != [(s.score, i.score) for s, i in alone]
