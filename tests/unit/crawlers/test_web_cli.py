"""The crawl command's argument checks (crawls themselves run in tests/integration/test_crawl.py)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from crawlers.web.cli import CrawlSummary, crawl, print_summary

app = typer.Typer()
app.command()(crawl)


def test_unknown_site_is_refused_with_the_registered_ones() -> None:
    result = CliRunner().invoke(app, ["fietsforum"])
    assert result.exit_code == 2
    assert "prikbord" in result.output


def test_fetched_at_needs_an_offset() -> None:
    result = CliRunner().invoke(app, ["prikbord", "--fetched-at", "2026-11-25T10:00:00"])
    assert result.exit_code == 2
    assert "offset" in result.output


def test_summary_lists_skips_by_reason() -> None:
    from rich.console import Console

    console = Console(record=True, width=100)
    print_summary(CrawlSummary("prikbord", pages=6, emitted=10, skipped={"no_date": 1, "robots": 1}), console)
    text = console.export_text()
    assert "posts emitted" in text and "skipped: robots" in text and "skipped: no_date" in text
