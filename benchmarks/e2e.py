"""`make bench`: end-to-end throughput and latency of the pipeline on the local stack.

Measures, in one run on one machine:
- baseline: the same posts validated, enriched and bulk-indexed straight into the engine (no Kafka, no workers);
- pipeline throughput: posts/s from the first publish to posts.raw until all are searchable;
- pipeline latency: p50/p99 from publish to searchable, at a steady modest rate;
the pipeline twice, with the classify stage off and on (the default model), so
the classifier's cost on the whole pipeline is a ratio from the same run.
Results are appended to BENCHMARKS.md with the machine and the date. Absolute
times on shared machines are noisy: read the ratio to the baseline.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from crawlers.publish import RawPublisher
from pipeline import stack
from pipeline.search import connect, drop_indices, index_posts, posts_index, setup_indices
from pipeline.settings import Settings
from pipeline.topics import ensure_topics
from processors.enrich import EnrichState, enrich
from processors.language import LinguaGuesser
from processors.validate import validate_raw
from tests.helpers import raw_post_bytes
from tests.integration.workers import Worker, wait_until

THROUGHPUT_POSTS = 5_000
LATENCY_POSTS = 300
LATENCY_RATE = 30  # posts/s: a busy brand in a crisis, well below capacity, so latency is not queueing
RESULTS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def record(section: str) -> None:
    """Append a results section to BENCHMARKS.md (created when missing) and print it."""
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmarks\n\nWritten by `make bench`; newest last.\n")
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(section)
    print(section)


def bench_settings(tmp: Path) -> Settings:
    settings = Settings()
    name = f"bench-{uuid.uuid4().hex[:8]}"
    settings.kafka.topic_prefix = f"{name}."
    settings.search.index_prefix = name
    settings.worker.data_dir = tmp / "faust"
    return settings


def _searchable(settings: Settings, ids: list[str]) -> set[str]:
    client = connect(settings.search)
    index = posts_index(settings.search.index_prefix)
    found: set[str] = set()
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        body = {"size": len(chunk), "_source": False, "query": {"ids": {"values": chunk}}}
        found |= {h["_id"] for h in client.search(index, body)["hits"]["hits"]}
    return found


def baseline(settings: Settings, n: int) -> float:
    """posts/s for validate + enrich + bulk index straight into the engine, then refresh."""
    client = connect(settings.search)
    prefix = settings.search.index_prefix + "-baseline"
    setup_indices(client, prefix)
    values = [raw_post_bytes(i) for i in range(n)]
    state = EnrichState(guesser=LinguaGuesser())  # before the clock starts: workers build it once at start-up
    start = time.perf_counter()
    posts = [enrich(validate_raw(v, None, max_bytes=1 << 20).record, state=state, now=datetime.now(UTC)).record
             for v in values]
    for i in range(0, n, settings.indexer.batch_size):
        index_posts(client, prefix, posts[i:i + settings.indexer.batch_size])
    client.refresh(posts_index(prefix))
    elapsed = time.perf_counter() - start
    drop_indices(client, prefix)
    return n / elapsed


def throughput(settings: Settings, workers: list[Worker], first: int, n: int) -> float:
    ids = [f"x:t{i}" for i in range(first, first + n)]
    start = time.perf_counter()
    with RawPublisher(settings) as pub:
        for i in range(first, first + n):
            pub.publish_bytes(f"x:t{i}".encode(), raw_post_bytes(i))
    pending = set(ids)

    def done() -> bool:
        pending.difference_update(_searchable(settings, list(pending)))
        return not pending

    wait_until(done, 600, f"{n} posts searchable", workers)
    return n / (time.perf_counter() - start)


def latency(settings: Settings, workers: list[Worker], first: int, n: int) -> list[float]:
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    with RawPublisher(settings) as pub:
        for i in range(first, first + n):
            pid = f"x:t{i}"
            pub.publish_bytes(pid.encode(), raw_post_bytes(i))
            pub.flush()
            sent[pid] = time.perf_counter()
            for found in _searchable(settings, [p for p in sent if p not in seen]):
                seen[found] = time.perf_counter()
            time.sleep(1 / LATENCY_RATE)
    deadline = time.monotonic() + 120
    while len(seen) < n and time.monotonic() < deadline:
        for found in _searchable(settings, [p for p in sent if p not in seen]):
            seen[found] = time.perf_counter()
        time.sleep(0.05)
    return sorted(seen[p] - sent[p] for p in seen)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, {platform.system()} {platform.release()}"


def pipeline_run(settings: Settings, tmp: Path, *, first: int, classify: bool) -> tuple[float, list[float]]:
    """Start fresh ingest + indexer workers (classify on or off) and measure throughput, then latency."""
    settings.classify.enabled = classify
    workers = [Worker(settings, role, tmp) for role in ("ingest", "indexer")]
    for w in workers:
        w.start()
    try:
        throughput(settings, workers, first, 1)  # warm-up: consumer groups joined, model loaded
        tput = throughput(settings, workers, first + 1, THROUGHPUT_POSTS)
        lat = latency(settings, workers, first + 100_000, LATENCY_POSTS)
    finally:
        for w in workers:
            w.stop()
    return tput, lat


def percentiles(lat: list[float]) -> tuple[float, float]:
    return statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(Path(tmp))
        stack.up(settings)
        ensure_topics(settings)
        setup_indices(connect(settings.search), settings.search.index_prefix)
        try:
            base = baseline(settings, THROUGHPUT_POSTS)
            plain, plain_lat = pipeline_run(settings, Path(tmp), first=0, classify=False)
            full, full_lat = pipeline_run(settings, Path(tmp), first=1_000_000, classify=True)
        finally:
            drop_indices(connect(settings.search), settings.search.index_prefix)
    from processors.classify.model import read_card

    backend = settings.classify.backend
    if backend == "auto":
        backend = f"auto: {read_card(Path(settings.classify.model)).get('backend', 'torch')}"
    model = f"{settings.classify.model} ({backend}, {settings.classify.threads} threads, " \
            f"batch {settings.classify.batch_size})"
    rows = [("classify off", plain, plain_lat), (f"classify on: {model}", full, full_lat)]
    table = "\n".join(
        f"| {name} | {tput:,.0f} posts/s | {tput / base:.2f} | {percentiles(lat)[0] * 1000:,.0f} ms | "
        f"{percentiles(lat)[1] * 1000:,.0f} ms ({len(lat)}/{LATENCY_POSTS}) |"
        for name, tput, lat in rows)
    section = (
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — pipeline end to end (validate → enrich → classify → index)\n\n"
        f"Machine: {machine()}. Local stack: Kafka 4.0 (KRaft) + OpenSearch 2.19, one node each. "
        f"Throughput: {THROUGHPUT_POSTS} posts from posts.raw until all are searchable; latency: publish → "
        f"searchable at {LATENCY_RATE} posts/s. Baseline: validate + enrich + bulk index directly, no Kafka, "
        f"no classify = {base:,.0f} posts/s.\n\n"
        f"| pipeline | throughput | / baseline | latency p50 | latency p99 (seen) |\n| --- | --- | --- | --- | --- |\n"
        f"{table}\n\n"
        f"Classify on / off: {full / plain:.2f} of the throughput.\n"
    )
    record(section)


if __name__ == "__main__":
    main()
