"""`python -m benchmarks.matching`: how fast the stream matches posts against many monitors.

Measures MonitorIndex.match (trigger index, then evaluate only the candidate
queries) over the sample posts for 10 to 10,000 synthetic monitors, and the
brute-force baseline (every query on every post) up to 1,000. Each monitor
has two competitors, so n monitors are 3n queries. The time per post includes
preparing the post (match_fields and token positions), as in the worker.
No servers needed; absolute figures are noisy on shared machines, read the
ratio between the two columns.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from processors.enrich import EnrichState, enrich
from processors.relevance.analysis import match_fields, tokens
from processors.relevance.match import MonitorIndex
from processors.relevance.monitors import Competitor, Monitor
from processors.relevance.query import Document
from schemas import EnrichedPost, RawPost

SAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "local" / "sample" / "posts.jsonl"
SIZES = (10, 100, 1_000, 10_000)
BRUTE_FORCE_SIZES = (10, 100, 1_000)  # 10,000 monitors by brute force takes minutes and proves nothing new
MIN_SECONDS = 1.0  # repeat the corpus until at least this long, so small sizes are not timer noise


class _Dutch:
    """Language detection is not what is measured here."""

    def guess(self, text: str) -> tuple[str, float] | None:
        return ("nl", 1.0)


def sample_posts() -> list[EnrichedPost]:
    """The sample corpus, enriched as the worker does it."""
    state = EnrichState(guesser=_Dutch())
    now = datetime.now(UTC)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    return [enrich(RawPost.model_validate_json(line), state=state, now=now).record for line in lines]


def synthetic_monitors(posts: Sequence[EnrichedPost], n: int, seed: int = 7) -> list[Monitor]:
    """n brand monitors with two competitors each, in the shapes real monitors take.

    A brand is a less frequent word of the corpus one time in five (so some
    queries fire and get evaluated) and an invented name otherwise (most brands
    are absent from most posts); the context words are the corpus's common ones.
    """
    rng = random.Random(seed)
    ranked = [w for w, _ in Counter(t for p in posts for t in set(tokens(p.text))).most_common() if len(w) > 2]
    common = ranked[:400]
    # A brand name is no 'een' or 'het': corpus words past the 200 most frequent, which
    # occur in 1 to 5 of the 371 posts, like a brand in a general stream.
    rare = ranked[200:]

    def brand(i: int) -> str:
        return rng.choice(rare) if rng.random() < 0.2 else f"merk{i}{rng.choice('abcdefgh')}"

    def query(b: str) -> str:
        w1, w2, w3 = rng.sample([w for w in common if w != b], 3)
        return rng.choice([
            f'{b} OR @{b} OR #{b} OR "{b} nl" OR {b}_helpt',
            f"{b} AND ({w1} OR {w2} OR {w3[:4]}*)",
            f'"{b} {w1}"~3 OR {b}_webcare OR author:{b}',
            f"({b} OR #{b}) NOT ({w1} OR {w2})",
            f"+{b} -{w1} mentions:{b}",
            f"{b}* AND title:{w1}",
        ])

    monitors = []
    for i in range(n):
        competitors = [Competitor(id=f"c{i}-{j}", name=f"C{i}-{j}", query=query(brand(i * 3 + j + 1)))
                       for j in range(2)]
        monitors.append(Monitor(id=f"m{i}", name=f"M{i}", query=query(brand(i * 3)), competitors=competitors))
    return monitors


def bench_matching(posts: Sequence[EnrichedPost], n_monitors: int, *, prune: bool = True) -> float:
    """posts/s for matching ``posts`` against n synthetic monitors (brute force when prune is False)."""
    index = MonitorIndex(synthetic_monitors(posts, n_monitors))
    done = 0
    start = time.perf_counter()
    while True:
        for post in posts:
            index.match_document(Document.from_fields(match_fields(post)), prune=prune)
        done += len(posts)
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return done / elapsed


def main() -> None:
    posts = sample_posts()
    rows = ["| monitors | queries | build index | indexed match | brute force | speed-up |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n in SIZES:
        start = time.perf_counter()
        MonitorIndex(synthetic_monitors(posts, n))  # parsing dominates: compile_query caches, so time it cold here
        build = time.perf_counter() - start
        indexed = bench_matching(posts, n)
        brute = bench_matching(posts, n, prune=False) if n in BRUTE_FORCE_SIZES else None
        rows.append(
            f"| {n:,} | {3 * n:,} | {build:.2f} s | {indexed:,.0f} posts/s | "
            + (f"{brute:,.0f} posts/s | {indexed / brute:.1f}x |" if brute else "— | — |")
        )
    print(f"Matching {len(posts)} sample posts ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
