"""`luister connect NAME [--stream]`: run one social API connector (or its stream) into posts.raw."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawlers.connectors import CONNECTORS, STREAMS, build_connector, build_stream, stream_options
from crawlers.connectors.base import Status
from crawlers.connectors.runner import PublishFailed, RunSummary, run_connector
from crawlers.connectors.state import CursorStore
from crawlers.connectors.stream import Event
from crawlers.connectors.stream_runner import StreamSummary, run_stream
from crawlers.logs import log_to_stderr
from crawlers.publish import RawPublisher
from pipeline.settings import Settings


def connect(
    name: Annotated[str, typer.Argument(help=f"Connector name: {', '.join(CONNECTORS)}.")],
    query: Annotated[
        str | None,
        typer.Option("--query", "-q", help="Search query (Mastodon: hashtag); default from settings.connectors."),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Fetch until caught up, print a summary and exit.")
    ] = False,
    stream: Annotated[
        bool,
        typer.Option(
            "--stream",
            help=f"Use the streaming API instead of polling ({', '.join(STREAMS)}): posts arrive within "
            "seconds; every (re)connect first polls from the saved cursor to close the gap.",
        ),
    ] = False,
    max_posts: Annotated[
        int | None,
        typer.Option("--max-posts", min=1, help="With --stream: stop after this many streamed posts."),
    ] = None,
) -> None:
    """Fetch posts from a social API and publish them to posts.raw.

    Pages are fetched newest first; a page's cursor is saved under
    settings.sources.state_dir/connectors/NAME.json only after Kafka confirmed its posts,
    so a restart resumes where the last confirmed page ended (at-least-once; the pipeline
    dedupes by post_id). A first run reaches back settings.sources.backfill_days. Without
    --once it polls every settings.connectors.poll_interval_s until interrupted.
    With --stream it holds the API's stream open until interrupted, reconnecting with
    back-off; it shares NAME.json with polling, so either resumes the other.
    Exits 2 for an unknown connector or stream (or --stream with --once), 1 when --once
    or a stream ended in an error or Kafka did not confirm a page.
    """
    settings = Settings()
    log_to_stderr(settings)
    console = Console(stderr=True)
    if name not in CONNECTORS:
        console.print(f"[red]error:[/red] unknown connector {escape(name)!r}; choose one of: {', '.join(CONNECTORS)}")
        raise typer.Exit(2)
    if stream or max_posts is not None:
        _stream(settings, console, name, query, once=once, stream=stream, max_posts=max_posts)
        return
    stop = threading.Event()
    if not once:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        console.print(f"connector {name}: polling every {settings.connectors.poll_interval_s:g} s; Ctrl-C stops")
    connector = build_connector(settings, name, query, sleep=stop.wait)  # Ctrl-C also ends a rate-limit wait
    store = CursorStore(settings.sources.state_dir, name)
    try:
        with RawPublisher(settings) as publisher:
            summary = run_connector(
                connector,
                connector.options.query,
                store,
                publisher,
                once=once,
                poll_interval_s=settings.connectors.poll_interval_s,
                sleep=stop.wait,
                should_stop=stop.is_set,
            )
    except PublishFailed as exc:
        console.print(f"[red]Kafka did not confirm a page; its cursor was not saved:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    finally:
        connector.close()
    Console().print(summary_table(summary))
    if once and summary.last_status is not Status.OK:
        raise typer.Exit(1)


def _stream(
    settings: Settings, console: Console, name: str, query: str | None, *, once: bool, stream: bool,
    max_posts: int | None,
) -> None:
    if not stream or once:
        console.print("[red]error:[/red] --stream runs until stopped: it takes --max-posts, not --once")
        raise typer.Exit(2)
    if name not in STREAMS:
        console.print(f"[red]error:[/red] {escape(name)!r} has no stream; streams: {', '.join(STREAMS)}")
        raise typer.Exit(2)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    console.print(f"stream {name}: connecting; Ctrl-C stops")
    streamer = build_stream(settings, name, query, sleep=stop.wait)  # Ctrl-C also ends a back-off wait
    try:
        with RawPublisher(settings) as publisher:
            summary = run_stream(
                streamer,
                CursorStore(settings.sources.state_dir, name),
                publisher,
                stream_options(settings, max_posts),
                should_stop=stop.is_set,
                sleep=stop.wait,
            )
    except PublishFailed as exc:
        console.print(f"[red]Kafka did not confirm streamed posts; the cursor was not moved:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    finally:
        streamer.close()
    Console().print(stream_summary_table(summary))
    if summary.last_status is not Status.OK:
        raise typer.Exit(1)


def stream_summary_table(summary: StreamSummary) -> Table:
    """A rich table of one stream run: connections, posts, events and disconnects by kind."""
    table = Table(title=f"stream {summary.stream} — {escape(summary.query)}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("connections", str(summary.connections))
    table.add_row("posts streamed", str(summary.published))
    table.add_row("posts from gap fills", str(summary.gap_filled))
    for event in (Event.HEARTBEAT, Event.DELETE, Event.IGNORED, Event.BAD_PAYLOAD, Event.ERROR):
        if summary.events.get(str(event)):
            style = "yellow" if event in (Event.BAD_PAYLOAD, Event.ERROR) else "default"
            table.add_row(f"[{style}]events {event}[/{style}]", str(summary.events[str(event)]))
    for status in Status:
        if summary.disconnects.get(str(status)):
            table.add_row(f"[red]disconnects {status}[/red]", str(summary.disconnects[str(status)]))
    table.add_row("last status", str(summary.last_status))
    if summary.last_error:
        table.add_row("last error", escape(summary.last_error))
    return table


def summary_table(summary: RunSummary) -> Table:
    """A rich table of one run: pages by status, items by outcome, the last error."""
    table = Table(title=f"connector {summary.connector} — {escape(summary.query)}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("pages ok", str(summary.outcomes.get(str(Status.OK), 0)))
    for status in Status:
        if status is not Status.OK and summary.outcomes.get(str(status)):
            table.add_row(f"[red]pages {status}[/red]", str(summary.outcomes[str(status)]))
    table.add_row("posts published", str(summary.published))
    if summary.items.get(str(Status.BAD_PAYLOAD)):
        table.add_row("[yellow]items bad_payload[/yellow]", str(summary.items[str(Status.BAD_PAYLOAD)]))
    table.add_row("last status", str(summary.last_status))
    if summary.last_error:
        table.add_row("last error", escape(summary.last_error))
    return table
