"""Every registered connector against a local fake of its API: golden RawPosts, paging, cursors.

Each connector in CONNECTORS needs `tests/fixtures/connectors/<name>/api.json` (scripted
responses in the API's wire format, see tests/fixtures/connectors/fake_api.py) and
`expected.jsonl` (the RawPosts that a first run must publish, in order).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from crawlers.connectors import CONNECTORS, build_connector
from crawlers.connectors.base import Status
from crawlers.connectors.runner import run_connector
from crawlers.connectors.state import CursorStore
from crawlers.publish import PublishReport
from pipeline.settings import Settings
from schemas import RawPost
from tests.fixtures.connectors.fake_api import FIXTURES, FakeApi, load_api


TOKEN = "geheim-x-token-0042"


class MemoryPublisher:
    """Stands in for RawPublisher in unit tests: every post is confirmed unless `fail` is set."""

    def __init__(self, fail: bool = False) -> None:
        self.posts: list[RawPost] = []
        self.report = PublishReport()
        self.fail = fail
        self._pending: list[RawPost] = []

    def publish_post(self, post: RawPost) -> None:
        self._pending.append(post)

    def flush(self, timeout_s: float | None = 60.0) -> PublishReport:
        if self.fail:
            self.report.failed += len(self._pending)
            self.report.errors.append("KafkaTimeoutError: fake")
        else:
            self.report.sent += len(self._pending)
            self.posts.extend(self._pending)
        self._pending = []
        return self.report


# Connectors whose base URL setting is not `<name>_base_url` (one API behind several connectors).
BASE_URL_FIELDS = {"facebook": "graph_base_url", "instagram": "graph_base_url"}


def settings_for(name: str, base_url: str, state_dir: Path, **connector_fields: object) -> Settings:
    settings = Settings()
    fields = {BASE_URL_FIELDS.get(name, f"{name}_base_url"): base_url, **connector_fields}
    if name == "x":
        fields.setdefault("x_bearer_token", SecretStr(TOKEN))
    return settings.model_copy(
        update={
            "connectors": settings.connectors.model_copy(update=fields),
            "sources": settings.sources.model_copy(update={"state_dir": state_dir}),
        }
    )


class Run:
    """One connector wired to a fake API, a memory publisher and a cursor store in tmp_path."""

    def __init__(self, name: str, api: FakeApi, tmp_path: Path, **connector_fields: object) -> None:
        self.name = name
        self.script = load_api(name)
        self.settings = settings_for(name, api.base_url, tmp_path / "state", **connector_fields)
        self.now = datetime.fromisoformat(self.script["now"])
        self.sleeps: list[float] = []
        self.store = CursorStore(self.settings.sources.state_dir, name)

    def once(self, publisher: MemoryPublisher | None = None, clock: float | None = None):
        publisher = publisher or MemoryPublisher()
        connector = build_connector(
            self.settings, self.name, self.script["query"], sleep=self.sleeps.append, now=self.now,
            **({"clock": lambda: clock} if clock is not None else {}),
        )
        try:
            summary = run_connector(
                connector, self.script["query"], self.store, publisher, once=True, now=lambda: self.now
            )
        finally:
            connector.close()
        return summary, publisher


def expected_posts(name: str) -> list[dict]:
    lines = (FIXTURES / name / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_every_connector_has_fixtures(name: str) -> None:
    folder = FIXTURES / name
    missing = [f for f in ("api.json", "expected.jsonl") if not (folder / f).is_file()]
    assert not missing, (
        f"connector {name!r} has no {', '.join(missing)} in {folder}: write scripted API responses "
        f"(api.json, see tests/fixtures/connectors/fake_api.py) and the RawPosts they must give "
        f"(expected.jsonl); see docs/how_to_add_a_connector.md"
    )


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_golden_run_then_restart_adds_nothing(name: str, tmp_path: Path) -> None:
    script = load_api(name)
    with FakeApi(script["responses"]) as api:
        run = Run(name, api, tmp_path)
        summary, publisher = run.once()
        assert [p.model_dump(mode="json") for p in publisher.posts] == expected_posts(name)
        assert summary.last_status is Status.OK
        assert summary.pages == 3
        assert summary.items[str(Status.BAD_PAYLOAD)] == 1  # every fixture has one item that cannot be mapped
        assert run.sleeps == []

        again, publisher2 = run.once()  # a new instance with the same state dir
        assert publisher2.posts == []
        assert again.last_status is Status.OK
