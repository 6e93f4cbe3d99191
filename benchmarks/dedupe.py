"""`python -m benchmarks.dedupe`: cost of the normalize and dedupe stages, no servers needed.

Measures, in one run on one machine:
- throughput of normalize, of dedupe, and of both, over the sample posts repeated to
  THROUGHPUT_POSTS with fresh ids (exact copies, edited copies and originals mixed), with
  a dict as the store (a faust Table on RocksDB adds its own cost per get/set);
- state kept per original post;
- per-post cost of the MinHash options (rensa vs datasketch, word vs character shingles)
  against the sha1 fingerprint as the baseline, on the sample texts and on ~1 KB texts.
Absolute times on shared machines are noisy: read the ratios.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import rensa

from processors.dedupe import DedupeConfig, find_duplicate
from processors.language import LinguaGuesser
from processors.normalize import content_words, normalize

SAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "local" / "sample" / "posts.jsonl"
THROUGHPUT_POSTS = 5_000
REPEATS = 5  # best of: the micro-benchmarks are short enough for a shared machine's hiccups to matter


def _posts() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def _stream(posts: list[dict], n: int) -> list[tuple[str, str, str | None, str | None]]:
    """(post_id, text, title, language) for n posts: round 0 is the sample as is; later rounds
    alternate exact copies and edited copies (a word changed at the end) under new ids."""
    out = []
    for i in range(n):
        round_, post = divmod(i, len(posts))
        p = posts[post]
        text = p["text"] if round_ % 2 == 0 else f"{p['text']} (update {round_})"
        out.append((f"{p['post_id']}#{round_}", text, p.get("title"), p.get("language")))
    return out


def _best(run: Callable[[], object], repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def throughput() -> None:
    guesser = LinguaGuesser()  # built before the clock starts, as the worker does once at start-up
    stream = _stream(_posts(), THROUGHPUT_POSTS)
    for _, text, title, lang in stream[:200]:
        normalize(text, title, lang, guesser)  # load the language models lazily loaded on first use
    now = datetime.now(UTC)

    start = time.perf_counter()
    norms = [normalize(text, title, lang, guesser) for _, text, title, lang in stream]
    t_norm = time.perf_counter() - start

    store: dict[str, str] = {}
    start = time.perf_counter()
    verdicts = Counter(
        find_duplicate(pid, norm.fingerprint, norm.text, now, store).verdict
        for (pid, *_), norm in zip(stream, norms, strict=True)
    )
    t_dedupe = time.perf_counter() - start

    n = len(stream)
    state = Counter()
    for key, value in store.items():
        state[key.split(":", 1)[0]] += len(key) + len(value)
    print(f"## normalize + dedupe over {n:,} posts (sample x {n / len(_posts()):.1f}, fresh ids)\n")
    print("| measure | value |\n| --- | --- |")
    print(f"| normalize (lingua, lxml, ftfy, fingerprint) | {n / t_norm:,.0f} posts/s "
          f"({t_norm / n * 1e6:,.0f} µs/post) |")
    print(f"| dedupe, dict store | {n / t_dedupe:,.0f} posts/s ({t_dedupe / n * 1e6:,.0f} µs/post) |")
    print(f"| normalize + dedupe | {n / (t_norm + t_dedupe):,.0f} posts/s |")
    print(f"| dedupe share of the two | {t_dedupe / (t_norm + t_dedupe):.0%} |")
    print(f"| verdicts | {', '.join(f'{k} {v:,}' for k, v in sorted(verdicts.items()))} |")
    print(f"| state: {len(store):,} keys, {state.total():,} bytes | "
          f"{', '.join(f'{kind}: {size:,}' for kind, size in sorted(state.items()))} |")
    print(f"| state per post seen / LSH bands per original | {state.total() / n:,.0f} / "
          f"{state['lsh'] / verdicts['original']:,.0f} bytes |")
    print()


def _word_shingles(size: int) -> Callable[[list[str]], list[str]]:
    def shingle(words: list[str]) -> list[str]:
        if len(words) <= size:
            return [" ".join(words)]
        return [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)]
    return shingle


def _char_shingles(size: int) -> Callable[[list[str]], list[str]]:
    def shingle(words: list[str]) -> list[str]:
        joined = " ".join(words)
        return [joined] if len(joined) <= size else [joined[i:i + size] for i in range(len(joined) - size + 1)]
    return shingle


def minhash_options() -> None:
    config = DedupeConfig()
    texts = [p["text"] for p in _posts()]
    kilobyte, current = [], ""
    for text in texts * 3:
        current = f"{current} {text}"
        if len(current) >= 1_000:
            kilobyte.append(current[:1_000])
            current = ""
    corpora = {"sample posts": [content_words(t) for t in texts], "1 KB texts": [content_words(t) for t in kilobyte]}

    try:
        from datasketch import MinHash
    except ImportError:
        MinHash = None  # noqa: N806

    def rensa_hash(shingles: list[str]) -> object:
        sketch = rensa.RMinHash(config.num_perm, config.seed)
        sketch.update(shingles)
        return sketch.digest()

    def datasketch_hash(shingles: list[str]) -> object:
        sketch = MinHash(num_perm=config.num_perm, seed=config.seed)
        sketch.update_batch([s.encode("utf-8") for s in shingles])
        return sketch.digest()

    shinglers = {
        "word 2-grams": _word_shingles(2), "word 3-grams": _word_shingles(3), "char 5-grams": _char_shingles(5),
    }
    for corpus, docs in corpora.items():
        per = 1e6 / len(docs)
        base = _best(lambda: [hashlib.sha1(" ".join(w).encode("utf-8")).hexdigest() for w in docs]) * per
        print(f"## MinHash per post, {corpus} ({len(docs)} texts, {config.num_perm} permutations)\n")
        print("| option | µs/post | × sha1 fingerprint |\n| --- | --- | --- |")
        print(f"| sha1 fingerprint of the words (baseline) | {base:,.1f} | 1 |")
        for name, shingle in shinglers.items():
            sets = [shingle(w) for w in docs]
            cost = _best(lambda shingle=shingle: [shingle(w) for w in docs]) * per
            print(f"| {name}: shingling only | {cost:,.1f} | {cost / base:,.0f} |")
            cost = _best(lambda sets=sets: [rensa_hash(s) for s in sets]) * per
            print(f"| {name}: rensa 0.5 RMinHash | {cost:,.1f} | {cost / base:,.0f} |")
            if MinHash is not None:
                cost = _best(lambda sets=sets: [datasketch_hash(s) for s in sets], repeats=2) * per
                print(f"| {name}: datasketch 2.0 MinHash | {cost:,.1f} | {cost / base:,.0f} |")
        if MinHash is None:
            print("| datasketch | not installed (`pip install datasketch==2.0.0`) | |")
        print()


def main() -> None:
    print(f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    throughput()
    minhash_options()


if __name__ == "__main__":
    main()
