"""`luister poll` without Kafka: help, an invalid feeds file, an empty one."""

from __future__ import annotations

import pytest
import structlog
import typer
from kafka.errors import KafkaTimeoutError
from typer.testing import CliRunner

from crawlers.feeds.cli import poll

app = typer.Typer()
app.command()(poll)


@pytest.fixture(autouse=True)
def _structlog_defaults():
    configured = structlog.is_configured()
    yield
    if not configured:
        structlog.reset_defaults()  # poll() configured structlog (nobody had): leave no trace for other tests


def test_help_names_the_options():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0 and "--once" in result.output and "--feeds" in result.output


def test_invalid_feeds_file_exits_2_naming_the_entry(tmp_path):
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text("- {url: 'https://a.example/rss', source: 'Dagblad West', channel: news}\n")
    result = CliRunner().invoke(app, ["--once", "--feeds", str(feeds_file)])
    output = " ".join(result.output.split())  # rich wraps long lines at the terminal width (tmp paths vary)
    assert result.exit_code == 2 and "feed #1" in output and "source" in output


def test_empty_feeds_file_polls_nothing(tmp_path):
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text("[]\n")
    result = CliRunner().invoke(app, ["--once", "--feeds", str(feeds_file)])
    assert result.exit_code == 0 and "no feeds" in result.output


def test_no_kafka_exits_1_with_the_reason(tmp_path, monkeypatch):
    def no_broker(_settings):
        raise KafkaTimeoutError("Unable to bootstrap")  # what RawPublisher raises after ~30 s without a broker

    monkeypatch.setattr("crawlers.feeds.cli.RawPublisher", no_broker)
    monkeypatch.setenv("LUISTER_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9")
    monkeypatch.setenv("LUISTER_SOURCES__STATE_DIR", str(tmp_path / "state"))
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text("- {url: 'https://a.example/rss', source: news.a, channel: news}\n")
    result = CliRunner().invoke(app, ["--once", "--feeds", str(feeds_file)])
    assert result.exit_code == 1 and "Kafka at 127.0.0.1:9" in result.output
