import pytest

from processors.classify.batch import char_budget, plan_batches, prepare_text

PREPARE = [
    ("", None),
    ("   \n\t ", None),
    ("\x00\x07\x1b\u200b\ufeff\u202e", None),
    ("😡😡😡", "😡😡😡"),
    ("👨\u200d👩\u200d👧 top", "👨\u200d👩\u200d👧 top"),  # the joiner keeps the family emoji whole
    ("??", "??"),
    ("Waar\x00 blijft\x1b mijn\u200b pakket?", "Waar blijft mijn pakket?"),
    ("regel 1\r\n\tregel 2", "regel 1 regel 2"),
    ("half\ud800kapot", "halfkapot"),  # a lone surrogate (from JSON "\ud800") cannot be encoded by tokenizers
    ("Café crème", "Café crème"),
]


@pytest.mark.parametrize(("text", "expected"), PREPARE)
def test_prepare_text(text, expected):
    assert prepare_text(text, 1_000) == expected


def test_very_long_text_is_cut_to_the_character_budget():
    assert len(prepare_text("pakket " * 20_000, char_budget(256))) <= char_budget(256)
    assert char_budget(256) >= 256 * 4  # enough characters for the model's tokens


def test_batches_are_sorted_by_length_cover_every_text_once_and_skip_none():
    texts = ["ccc", None, "a", "bbbbb", "dd", None, "eeee"]
    batches = plan_batches(texts, 2)
    assert batches == [[2, 4], [0, 6], [3]]
    assert all(len(b) <= 2 for b in batches)


def test_equal_lengths_keep_input_order():
    assert plan_batches(["aa", "bb", "cc"], 10) == [[0, 1, 2]]


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError):
        plan_batches(["a"], 0)
