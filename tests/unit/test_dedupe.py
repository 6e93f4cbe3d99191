import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processors.dedupe import DedupeConfig, Verdict, expire, find_duplicate, minhash
from processors.normalize import content_words, fingerprint, normalize

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "local" / "sample" / "posts.jsonl"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# 40 words of news, and edits of it.
NIEUWS = (
    "Spaarkist heeft donderdagmiddag een grote storing verholpen die ruim vijf uur duurde. Klanten konden niet "
    "pinnen, niet internetbankieren en de app bleef hangen. Volgens de bank was een fout bij een geplande "
    "software-update de oorzaak. Er is geen geld verloren gegaan, benadrukt een woordvoerder."
)
NIEUWS_1 = NIEUWS.replace("ruim vijf uur", "ruim zes uur")
NIEUWS_2 = NIEUWS.replace("donderdagmiddag", "donderdag").replace("woordvoerder", "zegsman")
NIEUWS_RT = "RT @nieuwsrooster: " + NIEUWS.upper() + " https://t.co/abc"
ANDER = (
    "Bestelbaas opent in het voorjaar van 2027 een nieuw distributiecentrum aan de rand van Zwolle. Er komen "
    "ongeveer vierhonderd banen bij, meldt het bedrijf. De bouw begint in januari en de gemeente is blij."
)
KORT = "Nog steeds geen internet in Utrecht hoor"
KORT_2 = "Nog steeds geen internet in Utrecht hier"


def feed(store, posts, config=DedupeConfig(), now=NOW):
    return [find_duplicate(pid, fingerprint(text), text, now, store, config) for pid, text in posts]


@pytest.mark.parametrize(
    ("posts", "expected"),
    [
        pytest.param(
            [("a", NIEUWS)], [(Verdict.ORIGINAL, None, None)], id="first-post-is-original"),
        pytest.param(
            [("a", NIEUWS), ("b", NIEUWS_RT)],
            [(Verdict.ORIGINAL, None, None), (Verdict.COPY, "a", "a")], id="retweet-is-copy"),
        pytest.param(
            [("a", NIEUWS), ("b", NIEUWS_1), ("c", NIEUWS_2)],
            [(Verdict.ORIGINAL, None, None), (Verdict.NEAR_DUPLICATE, "a", "a"), (Verdict.NEAR_DUPLICATE, "a", "a")],
            id="edited-copies-are-near-duplicates"),
        pytest.param(
            [("a", NIEUWS), ("b", NIEUWS_1), ("c", NIEUWS_1)],
            [(Verdict.ORIGINAL, None, None), (Verdict.NEAR_DUPLICATE, "a", "a"), (Verdict.COPY, "b", "a")],
            id="copy-of-near-duplicate-joins-its-cluster"),
        pytest.param(
            [("a", NIEUWS), ("b", ANDER)],
            [(Verdict.ORIGINAL, None, None), (Verdict.ORIGINAL, None, None)], id="different-stories"),
        pytest.param(
            [("a", KORT), ("b", KORT_2), ("c", KORT)],
            [(Verdict.ORIGINAL, None, None), (Verdict.ORIGINAL, None, None), (Verdict.COPY, "a", "a")],
            id="short-texts-skip-near-duplicates-but-copies-count"),
        pytest.param(
            [("a", ""), ("b", "😡😡😡"), ("c", "🔥🔥"), ("d", "https://t.co/x @golfhelpt"), ("e", "")],
            [(Verdict.ORIGINAL, None, None)] * 5, id="texts-without-words-are-never-copies"),
    ],
)
def test_verdicts(posts, expected):
    got = feed({}, posts)
    assert [(d.verdict, d.duplicate_of, d.cluster_id) for d in got] == expected
    assert all(d.first_verdict == d.verdict for d in got)


def test_near_duplicate_carries_its_similarity():
    a, b = feed({}, [("a", NIEUWS), ("b", NIEUWS_2)])
    assert 0.8 <= b.similarity < 1.0
    assert a.similarity is None


@pytest.mark.parametrize(
    ("posts", "first"),
    [
        ([("a", NIEUWS)], Verdict.ORIGINAL),
        ([("a", NIEUWS), ("b", NIEUWS_RT)], Verdict.COPY),
        ([("a", NIEUWS), ("b", NIEUWS_1)], Verdict.NEAR_DUPLICATE),
    ],
)
def test_redelivery_keeps_the_first_verdict(posts, first):
    store = {}
    before = feed(store, posts)[-1]
    contents = dict(store)
    # Redelivered later, and after the original text changed (an edit at the source): still the first verdict.
    again = find_duplicate(posts[-1][0], fingerprint(ANDER), ANDER, NOW + timedelta(hours=1), store)
    assert again.verdict is Verdict.REDELIVERY
    assert (again.first_verdict, again.duplicate_of, again.cluster_id, again.similarity) == (
        first, before.duplicate_of, before.cluster_id, before.similarity)
    assert store == contents  # a redelivery writes nothing


def test_short_texts_leave_no_minhash_state():
    store = {}
    feed(store, [("a", KORT)])
    assert not [k for k in store if k.startswith("lsh:")]
    assert "m" not in json.loads(store["id:a"])


def test_one_megabyte_text():
    big = " ".join(f"klacht{i % 5000} over de storing" for i in range(60_000))[:1_000_000]
    edited = "Update: " + big
    got = feed({}, [("a", big), ("b", big), ("c", edited)])
    assert [d.verdict for d in got] == [Verdict.ORIGINAL, Verdict.COPY, Verdict.NEAR_DUPLICATE]


def test_expire_forgets_only_old_entries():
    store = {}
    feed(store, [("oud", NIEUWS)], now=NOW - timedelta(days=8))
    feed(store, [("nieuw", ANDER)], now=NOW)
    kept = {k: v for k, v in store.items() if "nieuw" in v or k == "id:nieuw"}
    removed = expire(store, NOW, window_s=7 * 86_400)
    assert removed > 0
    assert store == kept
    assert expire(store, NOW, window_s=7 * 86_400) == 0
    # A copy of the forgotten post is an original again; a copy of the remembered one is still a copy.
    again = feed(store, [("bijna-oud", NIEUWS_1), ("kopie-oud", NIEUWS), ("kopie-nieuw", ANDER), ("oud", NIEUWS)])
    assert [(d.verdict, d.duplicate_of) for d in again] == [
        (Verdict.ORIGINAL, None),
        (Verdict.NEAR_DUPLICATE, "bijna-oud"),
        (Verdict.COPY, "nieuw"),
        (Verdict.COPY, "kopie-oud"),  # its own first delivery was forgotten too: no longer a redelivery
    ]


def test_replay_after_a_partial_write_gives_the_same_verdict():
    store = {}
    feed(store, [("a", NIEUWS)])
    store_before_b = dict(store)
    feed(store, [("b", NIEUWS_1), ("c", ANDER)])
    complete = dict(store)
    for crash in (store_before_b, {k: v for k, v in complete.items() if k not in ("id:b", "id:c")}):
        replay = dict(crash)
        got = feed(replay, [("b", NIEUWS_1), ("c", ANDER)])
        assert [d.verdict for d in got] == [Verdict.NEAR_DUPLICATE, Verdict.ORIGINAL]
        assert replay == complete


def test_deterministic_across_stores():
    posts = [("a", NIEUWS), ("b", NIEUWS_1), ("c", ANDER), ("d", NIEUWS_RT), ("e", KORT), ("a", NIEUWS)]
    one, two = {}, {}
    assert feed(one, posts) == feed(two, posts)
    assert one == two


def test_minhash_is_the_same_in_every_process():
    """Band hashes are persisted: a different digest in a new process or after an upgrade
    silently stops near-duplicate detection. If rensa or the shingling changed on purpose,
    bump SCHEME in processors/dedupe.py and update these numbers."""
    text = "Storing bij Spaarkist: geen pinbetalingen mogelijk in heel Nederland sinds vanochtend"
    expected = [350325145, 3228696592, 464021272, 1669490787]
    assert minhash(content_words(text), DedupeConfig())[:4] == expected
    code = (
        "from processors.dedupe import minhash, DedupeConfig; from processors.normalize import content_words; "
        f"print(minhash(content_words({text!r}), DedupeConfig())[:4])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == str(expected)


@pytest.mark.parametrize(
    ("threshold", "bands", "rows"), [(0.8, 17, 7), (0.9, 11, 11), (0.6, 29, 4)]
)
def test_lsh_shape_follows_the_threshold(threshold, bands, rows):
    config = DedupeConfig(near_threshold=threshold)
    assert (config.bands, config.rows) == (bands, rows)
    assert bands * rows <= config.num_perm


class NoGuess:
    def guess(self, text):
        return None


def test_sample_corpus():
    posts = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    norms = [normalize(p["text"], p.get("title"), p.get("language"), NoGuess()) for p in posts]
    store = {}
    verdicts = [
        find_duplicate(post["post_id"], norm.fingerprint, norm.text, datetime.fromisoformat(post["fetched_at"]), store)
        .verdict
        for post, norm in zip(posts, norms, strict=True)
    ]

    # Independently: a copy is a post whose (non-empty) fingerprint another post_id had before it.
    no_words = hashlib.sha1(b"").hexdigest()
    ids, fingerprints, copies, redeliveries = set(), set(), 0, 0
    for post, norm in zip(posts, norms, strict=True):
        if post["post_id"] in ids:
            redeliveries += 1
            continue
        ids.add(post["post_id"])
        if norm.fingerprint != no_words:
            copies += norm.fingerprint in fingerprints
            fingerprints.add(norm.fingerprint)

    assert copies > 30
    assert verdicts.count(Verdict.COPY) == copies
    assert verdicts.count(Verdict.REDELIVERY) == redeliveries
    assert verdicts.count(Verdict.NEAR_DUPLICATE) >= 3  # the same news story from several outlets
