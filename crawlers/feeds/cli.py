"""`luister poll`: poll the feeds in the feeds file and publish their new entries to posts.raw."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawlers.feeds.config import FeedConfig, FeedConfigError, load_feeds
from crawlers.feeds.poller import SUCCESS, FeedPoller, FetchStatus, PollResult
from crawlers.feeds.state import FeedStateStore
from crawlers.logs import log_to_stderr
from crawlers.publish import RawPublisher
from pipeline.settings import Settings


def poll(
    once: Annotated[
        bool, typer.Option("--once", help="Poll every due feed once, print a summary and exit.")
    ] = False,
    feeds: Annotated[
        Path | None,
        typer.Option("--feeds", help="Feeds YAML file (default: settings.feeds.feeds_file).", dir_okay=False),
    ] = None,
) -> None:
    """Poll RSS/Atom feeds and publish their new entries to posts.raw.

    Each feed is fetched with a conditional GET when it is due (its interval_s, or
    settings.feeds.default_interval_s), failing feeds back off exponentially, and state
    (ETags, schedule, ids already sent) lives under settings.sources.state_dir/feeds, so a
    restart neither re-sends nor forgets. Without --once it runs until interrupted.
    Exits 2 when the feeds file is invalid, 1 when --once could not publish some entries.
    """
    settings = Settings()
    log_to_stderr(settings)
    path = feeds or settings.feeds.feeds_file
    console = Console(stderr=True)
    try:
        feed_list = load_feeds(path)
    except FeedConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if not feed_list:
        console.print(f"[yellow]no feeds in {escape(str(path))}[/yellow]")
        return
    try:
        if once:
            results = poll_once(settings, feed_list)
            Console().print(summary_table(results))
            if any(r.status is FetchStatus.PUBLISH_ERROR for r in results):
                raise typer.Exit(1)
            return
        console.print(f"polling {len(feed_list)} feeds from {escape(str(path))}; Ctrl-C stops")
        poll_forever(settings, feed_list)
    except KafkaError as exc:  # no broker at all: nothing can be published, so nothing is fetched
        console.print(f"[red]error:[/red] Kafka at {escape(settings.kafka.bootstrap_servers)}: {escape(str(exc))}")
        raise typer.Exit(1) from None


def poll_once(settings: Settings, feeds: list[FeedConfig]) -> list[PollResult]:
    """Poll every due feed once; new entries are confirmed by Kafka before this returns."""
    store = FeedStateStore.in_dir(settings.sources.state_dir)
    try:
        with RawPublisher(settings) as publisher:
            return asyncio.run(FeedPoller(feeds, settings, publisher, store).poll_due())
    finally:
        store.close()


def poll_forever(settings: Settings, feeds: list[FeedConfig]) -> None:
    """Poll each feed when it is due until SIGINT or SIGTERM; in-flight polls are abandoned
    (their entries are not yet recorded, so the next run fetches them again)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await FeedPoller(feeds, settings, publisher, store).run(stop)

    store = FeedStateStore.in_dir(settings.sources.state_dir)
    try:
        with RawPublisher(settings) as publisher:
            asyncio.run(main())
    finally:
        store.close()


def summary_table(results: list[PollResult]) -> Table:
    """One row per polled feed: source, status, HTTP code, new and known entries, next poll."""
    table = Table(title=f"{len(results)} feeds polled")
    for column in ("source", "url", "status", "http", "new", "known", "next poll (UTC)", "error"):
        table.add_column(column, justify="right" if column in ("http", "new", "known") else "left")
    for r in sorted(results, key=lambda r: (r.feed.source, r.feed.url)):
        colour = "green" if r.status in SUCCESS else "red"
        table.add_row(
            r.feed.source, escape(r.feed.url), f"[{colour}]{r.status}[/{colour}]", str(r.http_status or ""),
            str(r.new), str(r.known), r.next_due.strftime("%Y-%m-%d %H:%M:%S"), escape(r.error or ""),
        )
    if results:
        table.caption = f"new entries published: {sum(r.new for r in results)}"
    return table
