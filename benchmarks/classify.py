"""`make bench`: the classify stage's speed, memory and accuracy per backend, on the default model.

For each backend (torch eager, ONNX Runtime fp32, ONNX Runtime dynamic int8) a
fresh process loads the model and classifies the same posts at batch sizes 1,
8, 16, 32 and 64 (2 threads, as the worker runs), then reports its peak resident
memory; the parent scores each backend on the held-out test split too.
Throughput is reported as a ratio to torch at batch 1 measured in the same run.
Results are appended to BENCHMARKS.md with the machine and the date.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime

from benchmarks.e2e import machine, record
from pipeline.model.build import evaluate, test_file
from pipeline.model.train import read_corpus
from pipeline.settings import Settings

BACKENDS = ("torch", "onnx", "onnx-int8")
BATCH_SIZES = (1, 8, 16, 32, 64)
POSTS = 256  # per measurement: the test split's texts, cycled (short posts and long reviews)


def texts(n: int = POSTS) -> list[str]:
    pool = [e.text for e in read_corpus([test_file()])]
    return [pool[i % len(pool)] for i in range(n)]


def one_backend(model: str, backend: str) -> dict:
    """Run in a child process: posts/s per batch size and peak RSS for one backend."""
    from processors.classify.model import load_classifier

    started = time.perf_counter()
    classifier = load_classifier(model, backend=backend, threads=2, batch_size=1)
    load_s = time.perf_counter() - started
    sample = texts()
    rates = {}
    for size in BATCH_SIZES:
        bench = replace(classifier, batch_size=size)
        bench.classify(sample[:size])  # warm up: first calls allocate
        started = time.perf_counter()
        bench.classify(sample)
        rates[size] = len(sample) / (time.perf_counter() - started)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"backend": backend, "load_s": load_s, "rates": rates, "peak_mib": peak_mib}


def main() -> None:
    model = Settings().classify.model
    results = []
    for backend in BACKENDS:
        out = subprocess.run([sys.executable, "-m", "benchmarks.classify", "--one", model, backend],
                             check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(f"{backend}: {results[-1]['rates']}", flush=True)
    test = read_corpus([test_file()])
    scores = {b: evaluate(model, test, backend=b) for b in BACKENDS}
    base = results[0]["rates"]["1"]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"\n## {stamp} — classify stage ({model})\n",
             f"Machine: {machine()}. {POSTS} posts from the held-out split per measurement (median "
             f"{sorted(len(t) for t in texts())[POSTS // 2]} characters), 2 threads. Baseline: torch eager at "
             f"batch 1 = {base:,.0f} posts/s.\n",
             "| backend | " + " | ".join(f"batch {b}" for b in BATCH_SIZES) + " | peak RSS | load | sentiment macro-F1 |"
             " intent macro-F1 |",
             "| --- |" + " --- |" * (len(BATCH_SIZES) + 4)]
    for r in results:
        s = scores[r["backend"]]
        cells = " | ".join(f"{r['rates'][str(b)]:,.0f}/s ({r['rates'][str(b)] / base:.1f}×)" for b in BATCH_SIZES)
        lines.append(f"| {r['backend']} | {cells} | {r['peak_mib']:,.0f} MiB | {r['load_s']:.1f} s | "
                     f"{s.sentiment_macro_f1:.3f} | {s.intent_macro_f1:.3f} |")
    record("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(one_backend(sys.argv[2], sys.argv[3])))
    else:
        main()
