"""`make bench`: alert latency on the local stack, against the index's own latency in the same run.

Issue 7 promises alerts within seconds where tools that poll an index take a minute or more. This
measures, in one run on one machine, with the ingest, indexer, alerts and notifier roles as real worker
processes and a fake Slack in this process:

- alert latency: from a triggering post published to posts.raw (the producer's flush returned) until the
  fake Slack receives the request for its alert; both ends read ``time.time()``;
- searchable latency, the baseline: the same posts from publish until an ids query finds them;
- the pipeline twice, with the classify stage off and on (the default model).

One monitor has one ``match`` rule. Its triggering posts are a steady trickle among the monitor's other
mentions, and each lies in a ``group_minutes`` window of its own, so each is its own alert. Results are
appended to BENCHMARKS.md with the machine and the date.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka.admin import KafkaAdminClient
from pydantic import SecretStr

from benchmarks.e2e import bench_settings, machine, percentiles, record
from crawlers.publish import RawPublisher
from pipeline import stack
from pipeline.search import connect, drop_indices, posts_index, setup_indices
from pipeline.settings import Settings
from pipeline.topics import ensure_topics
from tests.fakes.fake_slack import FakeSlack, Received
from tests.helpers import raw_post_bytes
from tests.integration.workers import Worker, wait_until

TRIGGERS = 200
TRIGGER_RATE = 5  # triggering posts/s: a crisis word every few seconds, far more than a real crisis sends
BACKGROUND_PER_TRIGGER = 5  # 25 posts/s of the monitor's other mentions: a busy brand, below capacity
GROUP_MINUTES = 5  # the match rule's default: a post 5 minutes from the last is in another window
POLL_S = 0.05  # how often the engine is asked which posts are searchable: the baseline's resolution
DRAIN_S = 60  # after the last publish, how long late alerts and posts are waited for
INDEX_POLL_S = 60  # the tools issue 7 compares with poll an index every minute or more
MONITOR, RULE = "benchmerk", "crisis"
MONITORS = f"""
monitors:
  - id: {MONITOR}
    name: Benchmerk
    query: {MONITOR}
    rules:
      - {{id: {RULE}, type: match, query: datalek, group_minutes: {GROUP_MINUTES}}}
"""
SLACK_PATH = "/services/T0BENCH/B0BENCH/geheim"
# Three phrase slots of coprime lengths (7, 11, 13): two posts fewer than 77 apart differ in two slots or
# more, so the dedupe stage sees different stories, not near-duplicates of one.
TRIGGER_SLOTS = (
    ["Datalek bij", "Lees net over een datalek bij", "Is het datalek bij", "Weer een datalek bij",
     "Nieuws over het datalek bij", "Hoe groot is het datalek bij", "Mijn mail stond in het datalek bij"],
    ["mijn wachtwoord", "mijn adres", "mijn telefoonnummer", "mijn bankrekening", "mijn geboortedatum",
     "mijn bestelgeschiedenis", "mijn klantnummer", "mijn e-mailadres", "mijn pasfoto", "mijn inloggegevens",
     "mijn facturen"],
    ["wat moet ik nu doen", "niemand reageert", "ik wil uitleg", "ben er klaar mee", "dit is onacceptabel",
     "krijg ik bericht", "graag snel antwoord", "ik ga een klacht indienen", "moet ik iets wijzigen",
     "hoe lang al", "wie is verantwoordelijk", "ik zeg mijn account op", "zijn anderen ook getroffen"],
)
BACKGROUND_SLOTS = (
    ["Pakket van", "Bestelling bij", "Retour naar", "Levering door", "Factuur van", "Klantenservice van",
     "Kortingscode van"],
    ["kwam vandaag keurig aan", "staat al twee dagen stil", "was sneller dan verwacht", "is nog niet verwerkt",
     "klopt niet helemaal", "ging zonder problemen", "duurt erg lang", "werd netjes ingepakt",
     "kreeg ik dubbel", "was beschadigd", "liep vlot"],
    ["top", "jammer", "prima zo", "volgende keer beter", "dank jullie", "balen", "helemaal goed",
     "kan beter", "netjes", "ik wacht af", "aanrader", "zonde", "tevreden"],
)


def run_settings(tmp: Path, *, classify: bool, slack_url: str) -> Settings:
    """Fresh topics, indices, worker state and a monitors file for one run; Slack is the fake."""
    settings = bench_settings(tmp)
    settings.classify.enabled = classify
    settings.relevance.monitors_file = tmp / "monitors.yaml"
    settings.relevance.monitors_file.write_text(MONITORS, encoding="utf-8")
    settings.notify.slack = [SecretStr(slack_url)]
    return settings


def phrase(n: int, slots: tuple[list[str], ...]) -> str:
    """Post ``n``'s text: one phrase of each slot, the brand after the first and a counter at the end."""
    first, *rest = (slot[n % len(slot)] for slot in slots)
    return f"{first} {MONITOR}: {', '.join(rest)} (#{n})"


@dataclass(frozen=True)
class Trigger:
    """A triggering post, alone in its rule window, and the alert id that window gives (computed here from
    the rule's documented id '<monitor>:<rule>:<window start>', not by the code under test)."""

    post_id: str
    value: bytes
    alert_id: str


def triggers(n: int, origin: datetime) -> list[Trigger]:
    """``n`` triggering posts, each in its own window, stepping back ``GROUP_MINUTES`` from ``origin``."""
    made = []
    for i in range(n):
        window = origin - timedelta(minutes=GROUP_MINUTES * (i + 1))
        published = window + timedelta(minutes=GROUP_MINUTES / 2)  # mid-window: clear of either edge
        value = raw_post_bytes(i, text=phrase(i, TRIGGER_SLOTS), addressed=[], published_at=published.isoformat(),
                               fetched_at=datetime.now(UTC).isoformat())
        made.append(Trigger(f"x:t{i}", value, f"{MONITOR}:{RULE}:{window.isoformat()}"))
    return made


def background(n: int) -> tuple[str, bytes]:
    """Background post ``n``: mentions the monitor, published now, triggers nothing."""
    number = 1_000_000 + n
    now = datetime.now(UTC).isoformat()
    value = raw_post_bytes(number, text=phrase(n, BACKGROUND_SLOTS), addressed=[], published_at=now, fetched_at=now)
    return f"x:t{number}", value


class SearchWatch:
    """Polls the engine from a thread, noting when (``time.time()``) each post was first found.

    The stamp is taken when the answer arrives, so a post counts as searchable up to one poll
    (``POLL_S`` plus the request) late: the baseline errs slow, never fast.
    """

    def __init__(self, settings: Settings, post_ids: list[str]) -> None:
        self._settings, self._wanted = settings, post_ids
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="search-watch", daemon=True)

    def __enter__(self) -> SearchWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def done(self) -> bool:
        return len(self.seen) == len(self._wanted)

    def _poll(self) -> None:
        client = connect(self._settings.search)
        index = posts_index(self._settings.search.index_prefix)
        while not self._stop.wait(POLL_S):
            pending = [post_id for post_id in self._wanted if post_id not in self.seen]
            if not pending:
                continue
            body = {"size": len(pending), "_source": False, "query": {"ids": {"values": pending}}}
            hits = client.search(index, body)["hits"]["hits"]
            at = time.time()
            for hit in hits:
                self.seen.setdefault(hit["_id"], at)


def alert_id(request: Received) -> str:
    """The alert id a Slack message names in its context block (pipeline/notify/slack.py)."""
    blocks: list[dict[str, Any]] = request.json["blocks"]
    context = next(block for block in blocks if block["type"] == "context")
    return context["elements"][0]["text"].removeprefix("alert_id: ")


def arrivals(fake: FakeSlack, wanted: list[Trigger]) -> dict[str, float]:
    """post_id -> when the first Slack message for its alert arrived, for the ``wanted`` posts."""
    post_of = {t.alert_id: t.post_id for t in wanted}
    arrived: dict[str, float] = {}
    for request in fake.requests(SLACK_PATH):
        post_id = post_of.get(alert_id(request))
        if post_id is not None:
            arrived.setdefault(post_id, request.at)
    return arrived


def traffic(measured: list[Trigger]) -> Iterator[tuple[str, bytes, bool]]:
    """(post_id, value, triggers) in publishing order: each triggering post, then its background posts."""
    for i, trigger in enumerate(measured):
        yield trigger.post_id, trigger.value, True
        for j in range(BACKGROUND_PER_TRIGGER):
            yield *background(i * BACKGROUND_PER_TRIGGER + j), False


def publish(settings: Settings, measured: list[Trigger]) -> dict[str, float]:
    """Publish the triggering posts at TRIGGER_RATE among the background; post_id -> ``time.time()``
    after the producer's flush for that post returned."""
    sent: dict[str, float] = {}
    step = 1 / (TRIGGER_RATE * (1 + BACKGROUND_PER_TRIGGER))
    start = time.monotonic()
    with RawPublisher(settings) as publisher:
        for k, (post_id, value, is_trigger) in enumerate(traffic(measured)):
            time.sleep(max(0.0, start + k * step - time.monotonic()))  # on a schedule: a slow flush is not drift
            publisher.publish_bytes(post_id.encode("utf-8"), value)
            publisher.flush()
            if is_trigger:
                sent[post_id] = time.time()
    if publisher.report.failed:
        raise RuntimeError(f"publishing failed: {publisher.report.errors}")
    return sent


def drain(fake: FakeSlack, watch: SearchWatch, measured: list[Trigger], workers: list[Worker]) -> dict[str, float]:
    """Wait up to DRAIN_S for the last alerts and posts; what arrived (late ones are reported as missing)."""
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline and not (len(arrivals(fake, measured)) == len(measured) and watch.done()):
        for w in workers:
            if not w.alive():
                raise RuntimeError(f"worker {w.role} died:\n{w.log_tail()}")
        time.sleep(0.2)
    return arrivals(fake, measured)


@dataclass(frozen=True)
class Latencies:
    """One run's latencies in seconds, sorted: each post's alert, and each post's becoming searchable."""

    alert: list[float]
    searchable: list[float]


def latency_run(tmp: Path, *, classify: bool) -> Latencies:
    """Start the four roles on fresh topics (classify on or off), warm them up with one alert, then publish
    TRIGGERS triggering posts among the background and time their alerts and their indexing."""
    tmp.mkdir()
    with FakeSlack() as fake:
        settings = run_settings(tmp, classify=classify, slack_url=fake.url(SLACK_PATH))
        ensure_topics(settings)
        setup_indices(connect(settings.search), settings.search.index_prefix)
        origin = datetime.fromtimestamp(time.time() // (GROUP_MINUTES * 60) * GROUP_MINUTES * 60, UTC)
        warmup, *measured = triggers(TRIGGERS + 1, origin)
        workers = [Worker(settings, role, tmp) for role in ("ingest", "indexer", "alerts", "notifier")]
        try:
            for w in workers:
                w.start()
            with RawPublisher(settings) as publisher:
                publisher.publish_bytes(warmup.post_id.encode("utf-8"), warmup.value)
            # consumer groups joined, model loaded, first connection to Slack made: none of it is latency
            wait_until(lambda: bool(arrivals(fake, [warmup])), 180, "the warm-up alert", workers)
            with SearchWatch(settings, [t.post_id for t in measured]) as watch:
                sent = publish(settings, measured)
                arrived = drain(fake, watch, measured, workers)
            if not arrived or not watch.seen:
                logs = "\n".join(f"--- {w.role} ---\n{w.log_tail()}" for w in workers)
                raise RuntimeError(f"{len(arrived)} alerts arrived, {len(watch.seen)} posts searchable:\n{logs}")
            return Latencies(alert=sorted(arrived[p] - sent[p] for p in arrived),
                             searchable=sorted(watch.seen[p] - sent[p] for p in watch.seen))
        finally:
            for w in workers:
                w.stop()
            clean_up(settings)


def clean_up(settings: Settings) -> None:
    """Drop the run's indices and delete its topics (the workers' internal ones share the prefix)."""
    drop_indices(connect(settings.search), settings.search.index_prefix)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers, client_id="luister-bench")
    try:
        admin.delete_topics([t for t in admin.list_topics() if t.startswith(settings.kafka.topic_prefix)])
    finally:
        admin.close()


def classify_model(settings: Settings) -> tuple[str | None, str]:
    """The classify model as the e2e table names it, or None and why the classify-on run is skipped."""
    from processors.classify.model import ModelError, locate_model, read_card

    try:
        directory = locate_model(settings.classify.model, allow_download=False)
    except ModelError as exc:
        return None, str(exc)
    backend = settings.classify.backend
    if backend == "auto":
        backend = f"auto: {read_card(directory).get('backend', 'torch')}"
    return f"{settings.classify.model} ({backend}, {settings.classify.threads} threads)", ""


def row(name: str, lat: Latencies) -> str:
    """A table row: p50 and p99 of both latencies with how many arrived, and the ratio of the medians."""
    (alert_p50, alert_p99), (index_p50, index_p99) = percentiles(lat.alert), percentiles(lat.searchable)
    return (f"| {name} | {alert_p50 * 1000:,.0f} ms | {alert_p99 * 1000:,.0f} ms ({len(lat.alert)}/{TRIGGERS}) | "
            f"{index_p50 * 1000:,.0f} ms | {index_p99 * 1000:,.0f} ms ({len(lat.searchable)}/{TRIGGERS}) | "
            f"{alert_p50 / index_p50:.2f} |")


def comparison(name: str, lat: Latencies) -> str:
    """What the stream gains over a tool polling the index every INDEX_POLL_S seconds, for one run."""
    alert_p50, index_p50 = statistics.median(lat.alert), statistics.median(lat.searchable)
    polled = index_p50 + INDEX_POLL_S / 2
    return (f"{name}: alerts arrive in {alert_p50 * 1000:,.0f} ms, posts are searchable in "
            f"{index_p50 * 1000:,.0f} ms; a poller of the index every {INDEX_POLL_S} s adds on average "
            f"{INDEX_POLL_S / 2:.0f} s more ({polled:,.1f} s, {polled / alert_p50:,.0f}× the alert's).")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings()
        stack.up(settings)
        model, why_not = classify_model(settings)
        runs = [("classify off", latency_run(Path(tmp) / "off", classify=False))]
        if model is None:
            print(f"classify on: skipped: {why_not}")
        else:
            runs.append((f"classify on: {model}", latency_run(Path(tmp) / "on", classify=True)))
    table = "\n".join(row(name, lat) for name, lat in runs)
    notes = "\n".join(f"- {comparison(name, lat)}" for name, lat in runs)
    section = (
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — alert latency (posts.raw → ingest → alerts → notifier → "
        f"Slack)\n\n"
        f"Machine: {machine()}. Local stack: Kafka 4.0 (KRaft) + OpenSearch 2.19, one node each; the ingest, "
        f"indexer, alerts and notifier roles as worker processes, Slack a local fake. One monitor with one "
        f"`match` rule (`datalek`); {TRIGGERS} triggering posts at {TRIGGER_RATE} posts/s among "
        f"{TRIGGER_RATE * BACKGROUND_PER_TRIGGER} posts/s of the monitor's other mentions, each triggering post "
        f"in its own {GROUP_MINUTES}-minute window, so its own alert. Alert: publish (flush returned) → the "
        f"fake Slack receives the alert. Searchable, the baseline: the same posts, publish → found by an ids "
        f"query, polled every {POLL_S * 1000:.0f} ms.\n\n"
        f"| pipeline | alert p50 | alert p99 (arrived) | searchable p50 | searchable p99 (seen) | "
        f"alert / searchable (p50) |\n| --- | --- | --- | --- | --- | --- |\n"
        f"{table}\n\n{notes}\n"
    )
    record(section)


if __name__ == "__main__":
    main()
