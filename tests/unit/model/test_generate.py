"""The generated corpus (pipeline.model.generate): deterministic, valid, distinct, balanced, labelled by construction."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.model import generate as gen

ROOT = Path(__file__).resolve().parents[3]
TELECOM = next(d for d in gen.DOMAINS if d.key == "telecom")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return gen.generate()


def test_same_seed_same_output():
    assert gen.generate(seed=3, n=300) == gen.generate(seed=3, n=300)
    assert gen.generate(seed=3, n=300) != gen.generate(seed=4, n=300)


def test_size_keys_and_labels(rows):
    assert len(rows) == 2000
    assert len(gen.generate(seed=1, n=137)) == 137
    for row in rows:
        assert list(row) == ["text", "sentiment", "intent"]
        assert row["sentiment"] in gen.SENTIMENTS and row["intent"] in gen.INTENTS
        assert row["text"] == row["text"].strip() and len(row["text"].split()) >= 2
        assert not re.search(r"[{}]", row["text"]), row["text"]  # every slot filled


def test_labels_pair_as_the_guidelines_say(rows):
    for row in rows:
        if row["intent"] == "complaint":
            assert row["sentiment"] == "negative", row
        if row["intent"] == "compliment":
            assert row["sentiment"] == "positive", row


def test_no_duplicates(rows):
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts)
    # not even texts that differ only in case, punctuation, emoji or numbers
    assert len({gen.dedupe_key(t) for t in texts}) == len(texts)


def test_balance(rows):
    n = len(rows)
    sentiment = Counter(r["sentiment"] for r in rows)
    assert 0.32 <= sentiment["negative"] / n <= 0.38
    assert 0.27 <= sentiment["neutral"] / n <= 0.33
    assert 0.32 <= sentiment["positive"] / n <= 0.38
    intent = Counter(r["intent"] for r in rows)
    assert all(intent[i] / n >= 0.15 for i in gen.INTENTS), intent


def test_quotas_sum_to_n():
    for n in (1, 50, 2000, 2001):
        assert sum(gen.quotas(n).values()) == n


@pytest.mark.parametrize("name", sorted(gen.STRUCTURES))
def test_every_structure_labels_as_declared(name):
    structure, rng = gen.STRUCTURES[name], random.Random(name)
    for _ in range(25):
        row = gen.compose(name, rng)
        assert (row["sentiment"], row["intent"]) == (structure.sentiment, structure.intent)
        assert row["text"] and row["clean"]


# Phrases that only one structure writes; every text that carries one must have that structure's labels.
MARKERS = {
    r"top service hoor": ("negative", "complaint"),  # sarcasm
    r"niet echt tevreden over": ("negative", "complaint"),  # negated praise
    r"enige pluspunt:": ("negative", "complaint"),  # small plus, big minus
    r"nooit meer problemen gehad": ("positive", "compliment"),  # negation that praises
    r"geen enkele klacht over": ("positive", "compliment"),
    r"^(@\S+ )?niet slecht, [^,!]+!": ("positive", "compliment"),
    r"enige minpuntje:": ("positive", "compliment"),  # big plus, small minus
    r"pluspunten:.*minpunten:": ("neutral", "other"),  # balanced review
    r"moet ik me zorgen maken\?": ("negative", "question"),  # worried question
    r"hierbij dien ik een klacht in": ("negative", "complaint"),
}


@pytest.mark.parametrize("pattern", sorted(MARKERS))
def test_marked_structures_carry_the_expected_labels(rows, pattern):
    hits = [r for r in rows if re.search(pattern, r["text"], re.IGNORECASE | re.DOTALL)]
    assert hits, f"no text matches {pattern!r}"
    for row in hits:
        assert (row["sentiment"], row["intent"]) == MARKERS[pattern], row


def _filled(c: gen.Ctx, good: bool) -> list[str]:
    """The domain's good or bad facts with this text's slot values, lower case."""
    return [c.fill(f).lower() for a in TELECOM.aspects for f in (a.good_facts if good else a.bad_facts)]


def test_sarcasm_praises_a_bad_fact():
    """Hand-checked shape: a praise word or clashing emoji around a bad fact, never a good one."""
    praise = [p.lower() for pool in ("sarc_open", "sarc_tail") for v in gen.PHRASES[pool].values() for p in v]
    praise += ["weer een topdag", "heerlijk bedrijf", "lekker dan", "zo fijn", "dank je"]
    for seed in range(40):
        c = gen.Ctx(random.Random(seed), TELECOM, "nl")
        text = gen.sarcasm(c).lower()
        adjectives = [f"weer eens {w.lstrip('=')}" for a in TELECOM.aspects for w in a.bad]
        assert any(f in text for f in _filled(c, False) + adjectives), text
        assert not any(f in text for f in _filled(c, True)), text
        assert any(p.rstrip(".!") in text for p in praise), text


def test_contrast_negative_keeps_the_grievance_and_contrast_positive_the_praise():
    for seed in range(40):
        c = gen.Ctx(random.Random(seed), TELECOM, "nl")
        text = gen.contrast_negative(c).lower()
        assert any(f in text for f in _filled(c, False)), text
        c = gen.Ctx(random.Random(seed), TELECOM, "nl")
        text = gen.contrast_positive(c).lower()
        assert any(f in text for f in _filled(c, True)), text


def test_mixed_reviews_end_on_a_neutral_verdict():
    verdicts = [v for pool in gen.PHRASES["mixed_close"].values() for v in pool]
    for seed in range(40):
        c = gen.Ctx(random.Random(seed), TELECOM, "nl")
        text = gen.mixed_review(c)
        for emoji in gen.EMOJI_MIXED:
            text = text.removesuffix(" " + emoji)
        assert any(text.endswith(v) for v in verdicts), text


# Renderings read and labelled by hand against the guidelines; a change to the blocks or structures shows up here
# (check the new renderings by eye before updating them).
HAND_CHECKED = [
    ("sarcasm", 1, "Zo fijn, Velora. Mijn föhn was na 5 weken al kapot. Echt genieten zo.", "negative", "complaint"),
    ("compliment_negated", 1, "Niks op aan te merken: mijn föhn werkt na 5 jaar nog als nieuw.",
     "positive", "compliment"),
    ("contrast_negative", 2, "@Zendr_Service Factuur prima hoor, maar ik haal nog geen kwart van de beloofde snelheid. "
     "De prijs was echt niet uit te leggen. 👎", "negative", "complaint"),
    ("contrast_positive", 1, "Ondanks dat de klantenservice een beetje kortaf is: dikke aanrader. "
     "Mijn föhn werkt na 5 jaar nog als nieuw.", "positive", "compliment"),
    ("mixed_review", 2, "3/5 De factuur was prima, de verbinding wat minder. Average, zeg maar.", "neutral", "other"),
    ("question_worried", 2, "Help, mijn telefoonrekening is deze maand ineens drie keer zo hoog als normaal. "
     "Is dat normaal?", "negative", "question"),
    ("question_enthusiastic", 2, "Net verhuisd naar ons eerste eigen huis in Leiden! Yes! "
     "Vraagje: hoe kan ik mijn databundel ophogen?", "positive", "question"),
    ("annoyed_question", 0, "Er zit nu al een barst in de behuizing. "
     "Waarom is het zo moeilijk om gewoon een mens aan de lijn te krijgen?!", "negative", "complaint"),
    ("question_neutral", 0, "Goedemiddag, hoe moet ik de garantie claimen? 🙏", "neutral", "question"),
    ("news", 0, "Ter info: Solano verlengt de garantie op alle apparaten naar 4 jaar.", "neutral", "other"),
]


@pytest.mark.parametrize(("name", "seed", "text", "sentiment", "intent"), HAND_CHECKED)
def test_hand_checked_examples(name, seed, text, sentiment, intent):
    row = gen.compose(name, random.Random(seed))
    assert (row["clean"], row["sentiment"], row["intent"]) == (text, sentiment, intent)


def test_noise_keeps_negations():
    rng = random.Random(0)
    text = "Ik heb nooit meer problemen gehad en helemaal niet slecht geholpen, integendeel"
    for _ in range(200):
        noisy = gen.roughen(text, rng, "nl", casual=True).lower()
        for word in ("nooit", "niet", "helemaal", "integendeel"):
            assert word in noisy.split() or f"{word}," in noisy.split(), noisy


def test_written_file_is_current(rows):
    path = ROOT / gen.OUT
    written = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert written == rows, "rerun: python -m pipeline.model.generate"


def _texts(path: Path) -> list[str]:
    """The texts of a hand-written file (its own validity is checked elsewhere, so bad lines are skipped here)."""
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            texts.append(json.loads(line)["text"])
        except (ValueError, KeyError, TypeError):
            continue
    return texts


def test_no_overlap_with_hand_written_files(rows):
    """Nothing generated repeats a hand-written text, above all none of the test set."""
    others = [p for p in (ROOT / "data/classify").rglob("*.jsonl") if p.name != gen.OUT.name]
    assert ROOT / "data/classify/test.jsonl" in others
    keys = {gen.dedupe_key(t) for p in others for t in _texts(p)}
    assert not [r["text"] for r in rows if gen.dedupe_key(r["text"]) in keys]
