import pytest

from processors.classify.labels import LabelError, read_label, resolve_labels, unused_keys

READ = [
    ("positive", {"sentiment": "positive"}),
    ("Negative", {"sentiment": "negative"}),
    ("NEUTRAL", {"sentiment": "neutral"}),
    ("pos", {"sentiment": "positive"}),
    ("neg", {"sentiment": "negative"}),
    ("negatief", {"sentiment": "negative"}),
    ("1 star", {"sentiment": "negative"}),
    ("2 stars", {"sentiment": "negative"}),
    ("3 stars", {"sentiment": "neutral"}),
    ("4 stars", {"sentiment": "positive"}),
    ("5 stars", {"sentiment": "positive"}),
    ("question", {"intent": "question"}),
    ("klacht", {"intent": "complaint"}),
    ("Vraag", {"intent": "question"}),
    ("negative|complaint", {"sentiment": "negative", "intent": "complaint"}),
    ("complaint|negative", {"sentiment": "negative", "intent": "complaint"}),
    ("positief|compliment", {"sentiment": "positive", "intent": "compliment"}),
    ("LABEL_0", None),
    ("6 stars", None),
    ("positive|negative", None),  # two sentiments in one label: ambiguous
    ("negative|boos", None),
]


@pytest.mark.parametrize(("label", "expected"), READ, ids=[r[0] for r in READ])
def test_read_label(label, expected):
    assert read_label(label) == expected


def test_joint_labels_map_to_both_tasks():
    labels = ["positive|question", "negative|complaint", "neutral|other"]
    resolution = resolve_labels(dict(enumerate(labels)))
    assert resolution.sentiment == (0, 2, 1) and resolution.intent == (0, 1, 3)


def test_a_sentiment_model_has_no_intent():
    resolution = resolve_labels({0: "negative", 1: "neutral", 2: "positive"})
    assert resolution.sentiment == (2, 1, 0) and resolution.intent is None


def test_unreadable_labels_name_themselves_and_the_setting():
    with pytest.raises(LabelError, match=r"\['LABEL_0', 'LABEL_1'\].*LUISTER_CLASSIFY__LABEL_MAP"):
        resolve_labels({0: "LABEL_0", 1: "LABEL_1"})


def test_a_label_map_maps_and_overrides():
    label_map = {"LABEL_0": {"sentiment": "negative", "intent": "complaint"}, "label_1": {"intent": "question"},
                 "positive": {"sentiment": "neutral"}, "mixed": {}}
    resolution = resolve_labels({0: "LABEL_0", 1: "LABEL_1", 2: "positive", 3: "mixed"}, label_map)
    assert resolution.sentiment == (2, None, 1, None) and resolution.intent == (1, 0, None, None)


@pytest.mark.parametrize(("entry", "message"), [
    ({"mood": "negative"}, "unknown task 'mood'"),
    ({"sentiment": "angry"}, "'angry' is not a sentiment label"),
    ({"intent": "negative"}, "'negative' is not a intent label"),
])
def test_a_bad_label_map_entry_is_refused(entry, message):
    with pytest.raises(LabelError, match=message):
        resolve_labels({0: "LABEL_0"}, {"LABEL_0": entry})


def test_labels_that_say_nothing_are_refused():
    with pytest.raises(LabelError, match="says anything about sentiment or intent"):
        resolve_labels({0: "LABEL_0"}, {"LABEL_0": {}})


def test_unused_label_map_keys_are_found_case_insensitively():
    assert unused_keys({"label_0": {}, "LABEL_9": {}}, ["LABEL_0", "LABEL_1"]) == ["LABEL_9"]
    assert unused_keys(None, ["x"]) == []
