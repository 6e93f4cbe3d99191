"""`luister crawl SITE`: crawl one registered web site into posts.raw.

Also runnable as ``python -m crawlers.web.cli SITE`` (tests do, because Twisted's
reactor cannot be started twice in one process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.console import Console
from rich.table import Table
from scrapy.crawler import CrawlerProcess

from crawlers.publish import RawPublisher
from crawlers.web.outcomes import stat_key
from crawlers.web.settings import scrapy_settings
from crawlers.web.sites import SITES
from crawlers.web.spiders import SPIDERS
from pipeline.settings import Settings


@dataclass
class CrawlSummary:
    """What one crawl did, from the spider's counters."""

    site: str
    pages: int = 0
    emitted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def run_crawl(
    settings: Settings, site: str, base_url: str | None = None, fetched_at: datetime | None = None
) -> CrawlSummary:
    """Crawl ``site`` with Scrapy in this process (once per process: Twisted's reactor
    cannot restart) and return its summary. Posts go to posts.raw via the item pipeline.
    Raises ``KafkaError`` when Kafka cannot be reached before the crawl starts."""
    config = SITES[site]
    with RawPublisher(settings) as publisher:  # connects now: no crawl when Kafka is unreachable
        process = CrawlerProcess(scrapy_settings(settings, publisher))
        crawler = process.create_crawler(SPIDERS[config.kind])
        process.crawl(crawler, site=config, fetched_at=fetched_at, base_url=base_url)
        process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    prefix = stat_key("skipped/")
    return CrawlSummary(
        site=site,
        pages=int(stats.get(stat_key("pages"), 0)),
        emitted=int(stats.get(stat_key("emitted"), 0)),
        skipped={k.removeprefix(prefix): int(v) for k, v in sorted(stats.items()) if k.startswith(prefix)},
    )


def print_summary(summary: CrawlSummary, console: Console) -> None:
    table = Table(title=f"crawl {summary.site}", show_header=True)
    table.add_column("outcome")
    table.add_column("count", justify="right")
    table.add_row("pages", str(summary.pages))
    table.add_row("posts emitted", str(summary.emitted))
    for reason, count in summary.skipped.items():
        table.add_row(f"skipped: {reason}", str(count))
    console.print(table)


def crawl(
    site: Annotated[str, typer.Argument(help=f"A registered site: {', '.join(SITES)}.")],
    base_url: Annotated[
        str | None, typer.Option(help="Crawl a copy of the site at this URL (e.g. a local fixture server).")
    ] = None,
    fetched_at: Annotated[
        str | None,
        typer.Option(help="Pin the fetch time (ISO 8601 with offset) instead of the clock; for tests and replays."),
    ] = None,
) -> None:
    """Crawl one web SITE (forum, review site or news site) and publish its new posts to posts.raw.

    Posts an earlier crawl already published are skipped (state under
    sources.state_dir/web/SITE). Prints pages fetched, posts emitted and skips by reason;
    exits with 1 when Kafka did not confirm every post.
    """
    if site not in SITES:
        raise typer.BadParameter(f"unknown site {site!r}; registered: {', '.join(SITES)}", param_hint="SITE")
    pinned = None
    if fetched_at is not None:
        pinned = datetime.fromisoformat(fetched_at)
        if pinned.tzinfo is None:
            raise typer.BadParameter(
                "needs a time-zone offset, e.g. 2026-11-25T10:00:00+01:00", param_hint="--fetched-at"
            )
    console = Console()
    try:
        summary = run_crawl(Settings(), site, base_url=base_url, fetched_at=pinned)
    except KafkaError as exc:
        console.print(f"[red]Kafka is not reachable, nothing crawled:[/red] {exc}")
        raise typer.Exit(1) from exc
    print_summary(summary, console)
    if summary.skipped.get("publish_failed"):
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(crawl)
