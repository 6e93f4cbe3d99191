"""`luister connect NAME`: run one social API connector into posts.raw."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawlers.connectors import CONNECTORS, build_connector
from crawlers.connectors.base import Status
from crawlers.connectors.runner import PublishFailed, RunSummary, run_connector
from crawlers.connectors.state import CursorStore
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
) -> None:
    """Fetch posts from a social API and publish them to posts.raw.

    Pages are fetched newest first; a page's cursor is saved under
    settings.sources.state_dir/connectors/NAME.json only after Kafka confirmed its posts,
    so a restart resumes where the last confirmed page ended (at-least-once; the pipeline
    dedupes by post_id). A first run reaches back settings.sources.backfill_days. Without
    --once it polls every settings.connectors.poll_interval_s until interrupted.
    Exits 2 for an unknown connector, 1 when --once ended in an error or Kafka did not
    confirm a page.
    """
    settings = Settings()
    log_to_stderr(settings)
    console = Console(stderr=True)
    if name not in CONNECTORS:
        console.print(f"[red]error:[/red] unknown connector {escape(name)!r}; choose one of: {', '.join(CONNECTORS)}")
        raise typer.Exit(2)
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
