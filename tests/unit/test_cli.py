import pytest
from typer.testing import CliRunner

from pipeline.cli import app

COMMANDS = [[], ["stack"], ["stack", "up"], ["stack", "down"], ["stack", "status"], ["worker"], ["replay"],
            ["run"], ["search"], ["settings"], ["schemas"], ["poll"], ["connect"], ["crawl"],
            ["webhook"], ["webhook", "serve"], ["match"], ["classify"], ["model"], ["model", "pull"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "luister")
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_settings_prints_masked_json(monkeypatch):
    monkeypatch.setenv("LUISTER_SEARCH__PASSWORD", "hunter2")
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 0 and "hunter2" not in result.output and "**********" in result.output


def test_unknown_worker_role_is_refused():
    result = CliRunner().invoke(app, ["worker", "kok"])
    assert result.exit_code == 1 and "unknown role" in result.output
