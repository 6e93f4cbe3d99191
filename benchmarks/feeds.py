"""`python -m benchmarks.feeds [--feeds 2000] [--write]`: the feed poller at scale.

Issue 3 asks for "thousands of feeds per poller process". This starts a local HTTP server
(127.0.0.1 only, in its own process so it does not share the poller's GIL) serving N
generated feeds (self-written Dutch titles, ~10 entries each, RSS and Atom; ETag and
Last-Modified answered with 304), and runs the real poller over them with an in-memory
publisher and the real sqlite state in a temp dir. A few feeds misbehave, as real ones do:
``ERROR_EVERY``-th feeds answer 500 and ``SLOW_EVERY``-th feeds hang past the request
timeout, so backoff and a slow feed's cost are part of the figures. Between the rounds a
few feeds (``CHANGE_EVERY``-th) gain an entry.

Measured in one run, on one machine:
- baseline: plain sequential httpx GETs of the same URLs (no parsing, no state, no
  conditional headers), the slow ones left out (each would only add a full timeout);
- round 1 through ``FeedPoller.run`` (the ``luister poll`` loop), fresh state: all 200s;
- round 2 through ``run`` one interval later: 304s, a few changed feeds, failing feeds
  backing off (not due);
- one ``poll_due`` round (``luister poll --once``) on fresh state;
- peak RSS of the poller process, and the state db's size.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import structlog

from crawlers.feeds.config import FeedConfig
from crawlers.feeds.poller import FeedPoller, PollResult
from crawlers.feeds.state import FeedStateStore
from crawlers.publish import PublishReport
from pipeline.settings import FeedSettings, Settings, SourceSettings
from schemas import RawPost

RESULTS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
ENTRIES = 10  # a typical news feed shows 10-50 entries; 10 keeps the generated bodies ~5 KB
ERROR_EVERY = 40  # 2.5 % answer 500: broken feeds are common in a list of thousands
SLOW_EVERY = 100  # 1 % hang past the timeout: the worst a feed can do to a poller
CHANGE_EVERY = 20  # 5 % gain an entry between the rounds (news sites at a 5-minute interval)
TIMEOUT_S = 5.0  # request timeout in the benchmark (the default is 20 s: it would only stretch the tail)
HANG_S = TIMEOUT_S + 1.0  # a slow feed answers eventually, so server threads end (bounded)
SITES = 50  # origins (ports on 127.0.0.1) the feeds are spread over, as over many news sites

_ORGS = ["Gemeente Zwolle", "Waterschap Rivierenland", "Bestelbaas", "Spaarkist", "De Fietsbond",
         "Provincie Drenthe", "Stadsbus Leiden", "Muntwerf", "Zorggroep Oosterhout", "Golfhelpt"]
_VERBS = ["opent", "sluit", "verhoogt", "verlaagt", "onderzoekt", "verbiedt", "steunt", "verplaatst"]
_THINGS = ["het tarief voor parkeren", "een nieuw kantoor", "de klantenservice", "de kermis op het plein",
           "de dijkversterking", "het zwembad aan de rand van de stad", "de bezorging op zondag",
           "de rente op spaarrekeningen", "het fietspad langs de rivier", "de subsidie voor zonnepanelen"]


def feed_body(index: int, epoch: int) -> tuple[bytes, str]:
    """Feed ``index`` at ``epoch`` (only CHANGE_EVERY-th feeds change with it): (bytes, content type)."""
    newest = 1000 + (epoch if index % CHANGE_EVERY == 1 else 0)
    base = datetime(2026, 11, 20, 12, 0, tzinfo=UTC) + timedelta(minutes=newest)
    entries = []
    for n in range(newest, newest - ENTRIES, -1):
        org, verb = _ORGS[(index + n) % len(_ORGS)], _VERBS[(index * 7 + n) % len(_VERBS)]
        thing = _THINGS[(index * 3 + n) % len(_THINGS)]
        title = f"{org} {verb} {thing}"
        text = (f"{org} {verb} {thing}, zo liet een woordvoerder dinsdag weten. Bewoners kunnen tot eind "
                f"december reageren; de gemeenteraad praat er in januari over. Bericht {n} van site {index}.")
        when = base - timedelta(minutes=newest - n)
        url = f"https://site{index}.example/nieuws/{n}"
        if index % 3 == 0:
            entries.append(f"<entry><id>{url}</id><title>{title}</title><link href=\"{url}\"/>"
                           f"<updated>{when.isoformat()}</updated><author><name>Redactie</name></author>"
                           f"<content type=\"html\">&lt;p&gt;{text}&lt;/p&gt;</content></entry>")
        else:
            entries.append(f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
                           f"<pubDate>{format_datetime(when)}</pubDate><description>&lt;p&gt;{text}&lt;/p&gt;"
                           f"</description></item>")
    if index % 3 == 0:
        body = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl">'
                f"<title>Nieuws van site {index}</title><id>https://site{index}.example/</id>"
                f"<updated>{base.isoformat()}</updated>{''.join(entries)}</feed>")
        return body.encode(), "application/atom+xml; charset=utf-8"
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Nieuws van site {index}'
            f"</title><link>https://site{index}.example/</link><language>nl</language>{''.join(entries)}"
            f"</channel></rss>")
    return body.encode(), "application/rss+xml; charset=utf-8"


def kind(index: int) -> str:
    """What feed ``index`` does: 'feed', 'error' or 'slow'."""
    if index % SLOW_EVERY == SLOW_EVERY // 2:
        return "slow"
    if index % ERROR_EVERY == ERROR_EVERY // 3:
        return "error"
    return "feed"


def serve(ports_out: Connection, sites: int) -> None:
    """The feed server process: ``sites`` ThreadingHTTPServers on 127.0.0.1 (their ports are sent
    back), routes ``/f/<index>.xml`` and ``POST /epoch`` (the next round's content)."""
    epoch = [0]
    cache: dict[tuple[int, int], tuple[bytes, str, str, str]] = {}

    def entry(index: int) -> tuple[bytes, str, str, str]:
        key = (index, epoch[0] if index % CHANGE_EVERY == 1 else 0)
        if key not in cache:
            body, ctype = feed_body(index, key[1])
            modified = format_datetime(datetime(2026, 11, 20, tzinfo=UTC) + timedelta(hours=key[1]), usegmt=True)
            cache[key] = (body, ctype, '"' + hashlib.sha1(body).hexdigest()[:16] + '"', modified)
        return cache[key]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def log_message(self, *_args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            epoch[0] += 1
            self._answer(204)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            name = self.path.removeprefix("/f/").removesuffix(".xml")
            if not name.isdigit():
                self._answer(404)
                return
            index = int(name)
            if kind(index) == "error":
                self._answer(500)
                return
            if kind(index) == "slow":
                time.sleep(HANG_S)
            body, ctype, etag, modified = entry(index)
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if inm == etag or (inm is None and ims == modified):
                self._answer(304, {"ETag": etag, "Last-Modified": modified})
                return
            self._answer(200, {"Content-Type": ctype, "ETag": etag, "Last-Modified": modified}, body)

        def _answer(self, code: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
            try:
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if code not in (204, 304):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the poller gave up on a slow feed

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256  # the poller opens many connections at once

    servers = [Server(("127.0.0.1", 0), Handler) for _ in range(sites)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports_out.send([s.server_address[1] for s in servers])
    ports_out.recv()  # until the benchmark says stop (or dies: EOFError)


class MemoryPublisher:
    """Stands in for RawPublisher: every post is confirmed at flush; only counts are kept."""

    def __init__(self) -> None:
        self.report = PublishReport()
        self._pending = 0

    def publish_post(self, post: RawPost) -> None:
        self._pending += 1

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport:
        self.report.sent += self._pending
        self._pending = 0
        return self.report


class OffsetClock:
    """Real time plus an offset, so round 2 can be 'one interval later' without waiting for it."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def bench_settings(state_dir: Path) -> Settings:
    return Settings(
        sources=SourceSettings(state_dir=state_dir, request_timeout_s=TIMEOUT_S),
        feeds=FeedSettings(),
    )


def run_round(poller: FeedPoller) -> tuple[float, float, list[PollResult]]:
    """One round through ``FeedPoller.run``, until every feed due at the start has a result:
    (wall seconds, CPU seconds of this process, results without their posts, as `luister poll`
    keeps none)."""
    expected = len(poller.due())
    results: list[PollResult] = []

    async def main() -> None:
        stop = asyncio.Event()

        def on_result(result: PollResult) -> None:
            result.posts = []
            results.append(result)
            if len(results) >= expected:
                stop.set()

        await poller.run(stop, on_result)

    start, cpu = time.perf_counter(), time.process_time()
    asyncio.run(main())
    return time.perf_counter() - start, time.process_time() - cpu, results


def once_round(poller: FeedPoller) -> tuple[float, float, list[PollResult]]:
    """One ``poll_due`` round (``luister poll --once``): (wall seconds, CPU seconds, results)."""
    start, cpu = time.perf_counter(), time.process_time()
    results = asyncio.run(poller.poll_due())
    return time.perf_counter() - start, time.process_time() - cpu, results


def baseline(urls: list[str]) -> float:
    """Seconds for plain sequential GETs of ``urls`` with one pooled client: no parsing, no state."""
    with httpx.Client(timeout=TIMEOUT_S) as client:
        start = time.perf_counter()
        for url in urls:
            client.get(url).read()
        return time.perf_counter() - start


def db_size(state_dir: Path) -> int:
    return sum(p.stat().st_size for p in (state_dir / "feeds").glob("state.sqlite3*"))


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, {platform.system()} {platform.release()}"


def statuses(results: list[PollResult]) -> str:
    counts = Counter(str(r.status) for r in results)
    return ", ".join(f"{status} {n}" for status, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000, help="how many feeds to serve and poll")
    parser.add_argument("--write", action="store_true", help="append the results to BENCHMARKS.md")
    args = parser.parse_args(argv)
    n = args.feeds

    # Log as `luister poll` does (structlog's default rendering), into /dev/null: the cost counts, the noise not.
    devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
                        logger_factory=lambda *_a: structlog.PrintLogger(devnull))

    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=serve, args=(theirs, SITES), daemon=True)
    server.start()
    try:
        ports = ours.recv()
        # Feeds of one site sit together in a feeds file: consecutive blocks share an origin, so the
        # per-host limit is exercised the way a real list would (40 section feeds of one paper).
        per_site = -(-n // len(ports))
        urls = [f"http://127.0.0.1:{ports[i // per_site]}/f/{i}.xml" for i in range(n)]
        feeds = [FeedConfig(url=u, source=f"news.site{i}", channel="news") for i, u in enumerate(urls)]
        kinds = Counter(kind(i) for i in range(n))

        base_urls = [u for i, u in enumerate(urls) if kind(i) != "slow"]
        baseline(base_urls[:50])  # warm-up: connections, the server's body cache
        base_s = baseline(base_urls)
        base_rate = len(base_urls) / base_s

        with tempfile.TemporaryDirectory() as tmp:
            settings = bench_settings(Path(tmp) / "run")
            store = FeedStateStore.in_dir(settings.sources.state_dir)
            clock = OffsetClock()
            r1_s, r1_cpu, r1 = run_round(FeedPoller(feeds, settings, MemoryPublisher(), store, clock=clock))
            httpx.post(f"http://127.0.0.1:{ports[0]}/epoch")
            clock.offset += timedelta(seconds=settings.feeds.default_interval_s)
            r2_s, r2_cpu, r2 = run_round(FeedPoller(feeds, settings, MemoryPublisher(), store, clock=clock))
            store.close()
            size = db_size(settings.sources.state_dir)
            run_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            once_settings = bench_settings(Path(tmp) / "once")
            once_store = FeedStateStore.in_dir(once_settings.sources.state_dir)
            once_s, _once_cpu, once = once_round(FeedPoller(feeds, once_settings, MemoryPublisher(), once_store))
            once_store.close()
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        ours.send("stop")
        server.join(timeout=HANG_S + 5)
        devnull.close()

    interval = FeedSettings().default_interval_s
    rows = [
        (f"baseline: sequential GET, no parsing/state ({len(base_urls)} feeds, slow ones left out)",
         f"{base_s:,.1f} s, {base_rate:,.0f} feeds/s"),
        (f"round 1, `run` loop, fresh state ({len(r1)} feeds)", f"{r1_s:,.1f} s, {len(r1) / r1_s:,.0f} feeds/s"),
        ("round 1 / baseline (feeds/s)", f"{len(r1) / r1_s / base_rate:.2f}"),
        ("round 1 statuses", statuses(r1)),
        ("round 1 CPU of the poller process", f"{r1_cpu:,.1f} s, {r1_cpu / len(r1) * 1000:,.1f} ms per feed"),
        (f"round 2, one interval later ({len(r2)} due)", f"{r2_s:,.1f} s, {len(r2) / r2_s:,.0f} feeds/s"),
        ("round 2 / baseline (feeds/s)", f"{len(r2) / r2_s / base_rate:.2f}"),
        ("round 2 statuses", statuses(r2)),
        ("round 2 CPU of the poller process", f"{r2_cpu:,.1f} s, {r2_cpu / len(r2) * 1000:,.1f} ms per feed"),
        (f"`poll --once` round (`poll_due`), fresh state ({len(once)} feeds)",
         f"{once_s:,.1f} s, {len(once) / once_s:,.0f} feeds/s"),
        ("round 1 as share of the default interval", f"{r1_s / interval:.0%} of {interval:.0f} s"),
        ("peak RSS of the poller process through the `run` rounds (server runs apart)", f"{run_peak_mib:,.0f} MiB"),
        ("peak RSS after the `--once` round (it returns every new post)", f"{peak_mib:,.0f} MiB"),
        ("state db after two rounds (sqlite + WAL)", f"{size / 2**20:,.1f} MiB"),
    ]
    section = (
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — feed poller, {n} feeds\n\n"
        f"Machine: {machine()}. `python -m benchmarks.feeds --feeds {n}`: {n} generated feeds "
        f"({ENTRIES} entries, RSS/Atom) on {SITES} local origins, server in its own process; "
        f"{kinds['error']} answer 500, {kinds['slow']} hang {HANG_S:g} s past a {TIMEOUT_S:g} s timeout; "
        f"default settings otherwise (max_concurrency {settings.feeds.max_concurrency}, "
        f"max_per_host {settings.feeds.max_per_host}).\n\n"
        "| measure | value |\n| --- | --- |\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    )
    print(section)
    if args.write:
        with RESULTS.open("a") as f:
            f.write(section)


if __name__ == "__main__":
    main(sys.argv[1:])
