import itertools
import random
from pathlib import Path

import pytest

from processors.relevance.analysis import match_fields
from processors.relevance.match import Matches, MonitorIndex, triggers
from processors.relevance.monitors import Competitor, Monitor, load_monitors
from processors.relevance.query import Document, _within, compile_query
from tests.helpers import FIELD_VALUES, matchable_post, random_query

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "local" / "sample" / "monitors.yaml"
SAMPLE_INDEX = MonitorIndex(load_monitors(SAMPLE.read_text(), str(SAMPLE)))


@pytest.mark.parametrize(
    ("text", "fields", "monitors", "competitors"),
    [
        ("@bestelbaas_helpt waar blijft mijn pakket?", {}, ("bestelbaas",), ()),
        ("Bestel baas of Kooptoren, wie is sneller?", {}, ("bestelbaas",), ("kooptoren",)),
        ("Alleen #Kooptoren vandaag", {}, (), ("kooptoren",)),   # a competitor alone still counts
        ("Pakkerij.be levert in België", {}, (), ("pakkerij",)),
        ("#SpaarkistStoring weer niet kunnen pinnen", {}, ("spaarkist",), ()),
        ("Golf heeft weer een storing op glasvezel", {}, ("golf",), ()),
        ("Golf storing? Nee, een golfbaan vol holes", {}, (), ()),     # the sport vetoes
        ("Een golf van kritiek", {}, (), ()),                           # the word alone is not the brand
        ("Overstappen van Tringel naar Golf: de provider", {}, ("golf",), ("tringel",)),
        ("", {"title": "Golf glasvezel: veel packet loss"}, ("golf",), ()),
        ("😡😡😡", {}, (), ()),
        ("", {}, (), ()),
    ],
)
def test_sample_monitors(text, fields, monitors, competitors):
    assert SAMPLE_INDEX.match(matchable_post(text, **fields)) == Matches(monitors, competitors)
    assert SAMPLE_INDEX.owner["kooptoren"] == "bestelbaas"


def test_a_megabyte_of_text():
    post = matchable_post("Bestelbaas levert 😡 niet op tijd. " * 30_000)
    assert SAMPLE_INDEX.match(post) == Matches(("bestelbaas",), ())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:a", {("term", "title", "a")}),
        ("title:a OR author:b", {("term", "title", "a"), ("term", "author", "b")}),
        ("title:(a AND (b OR c OR d))", {("term", "title", "a")}),          # the smallest required set
        ('title:"de lange levering"', {("term", "title", "levering")}),     # the longest word of a phrase
        ("title:prov*", {("prefix", "title", "prov")}),
        ("title:*ing", None),
        ("title:(*ing AND b)", {("term", "title", "b")}),
        ("NOT title:a", None),
        ("title:(a NOT b)", {("term", "title", "a")}),
        ("title:(a OR *ing)", None),
        ("channel:forum", {("term", "channel", "forum")}),
    ],
)
def test_triggers(query, expected):
    assert triggers(compile_query(query)) == (None if expected is None else frozenset(expected))


WORDS = ["pakket", "levering", "laat", "storing", "golf", "glasvezel", "provider", "bestelbaas", "de", "bank",
         "pinnen", "app", "kapot", "sim", "prijs", "duur", "klantenservice", "zwolle", "spaarkist", "kooptoren"]


def _random_post(rng: random.Random):
    def words(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    return matchable_post(
        words(rng.randint(0, 25)) + rng.choice(["", " 😡", " bol.com", " #Golf"]),
        title=words(rng.randint(0, 5)) or None,
        handle=rng.choice([None, "golfhelpt", "bestelbaas_helpt"]),
        name=rng.choice([None, "Golf Helpt", words(2)]),
        **{name: rng.choice(values) for name, values in FIELD_VALUES.items()},
        mentions=rng.sample(["golfhelpt", "spaarkist", "bestelbaas"], rng.randint(0, 2)),
        hashtags=rng.sample(["golf", "golfstoring", "sparen"], rng.randint(0, 2)),
    )


@pytest.mark.parametrize("seed", range(5))
def test_pruning_is_exact(seed):
    """The indexed matcher finds exactly what evaluating every query finds."""
    rng = random.Random(seed)
    monitors = [
        Monitor(id=f"m{i}", name=f"M{i}", query=random_query(rng, WORDS),
                competitors=[Competitor(id=f"m{i}-c{j}", name="C", query=random_query(rng, WORDS)) for j in range(2)])
        for i in range(100)
    ]
    index = MonitorIndex(monitors)
    found = 0
    for _ in range(300):
        doc = Document.from_fields(match_fields(_random_post(rng)))
        pruned = index.match_document(doc)
        assert pruned == index.match_document(doc, prune=False)
        found += len(pruned.monitors) + len(pruned.competitors)
    assert found > 300  # the queries do match things: the comparison is not empty against empty


@pytest.mark.parametrize("seed", range(3))
def test_the_proximity_sweep_is_the_smallest_window(seed):
    """_within agrees with trying every combination of positions."""
    rng = random.Random(seed)
    for _ in range(500):
        k = rng.randint(2, 4)
        positions = rng.sample(range(30), rng.randint(k, 12))
        lists = [sorted(positions[i::k]) for i in range(k)]   # distinct tokens: disjoint positions
        slop = rng.randint(0, 8)
        brute = any(max(p - i for i, p in enumerate(c)) - min(p - i for i, p in enumerate(c)) <= slop
                    for c in itertools.product(*lists))
        assert _within(lists, slop) == brute, (lists, slop)
