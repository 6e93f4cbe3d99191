"""The Mastodon public timeline (`mastodon_timeline = "public"`), polled and streamed.

The hashtag fixtures are reused with their paths moved to the public endpoints: the statuses,
paging and mapping are the same, only the endpoint (and the cursor key) differ.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from crawlers.connectors import build_connector
from crawlers.connectors.mastodon import PUBLIC_PATH, PUBLIC_QUERY, MastodonConnector
from crawlers.connectors.mastodon_stream import PUBLIC_STREAM_PATH
from crawlers.connectors.runner import run_connector
from crawlers.connectors.state import CursorStore
from pipeline.settings import ConnectorSettings
from tests.fixtures.connectors.fake_api import FakeApi, load_api
from tests.fixtures.connectors.stream_server import StreamServer, load_stream
from tests.unit.crawlers.test_connectors import MemoryPublisher, expected_posts, settings_for
from tests.unit.crawlers.test_streams import StreamRun, held

TAG_PATH = "/api/v1/timelines/tag/spaarkiststoring"


def on_public_timeline(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scripted hashtag-timeline responses, served on the public timeline instead."""
    return json.loads(json.dumps(responses).replace(TAG_PATH, PUBLIC_PATH))


def test_endpoint_passes_the_timeline_as_an_extra() -> None:
    hashtag = MastodonConnector.endpoint(ConnectorSettings())
    assert hashtag.extra == {"timeline": "hashtag"} and hashtag.default_query == ConnectorSettings().mastodon_hashtag
    public = MastodonConnector.endpoint(ConnectorSettings(mastodon_timeline="public"))
    assert public.extra == {"timeline": "public"} and public.default_query == PUBLIC_QUERY
    with pytest.raises(ValidationError):
        ConnectorSettings(mastodon_timeline="home")


def test_public_timeline_is_polled_and_paged_like_the_hashtag_one(tmp_path: Path) -> None:
    script = load_api("mastodon")
    with FakeApi(on_public_timeline(script["responses"])) as api:
        settings = settings_for("mastodon", api.base_url, tmp_path / "state", mastodon_timeline="public")
        now = datetime.fromisoformat(script["now"])
        store = CursorStore(settings.sources.state_dir, "mastodon")

        def once() -> tuple[Any, MemoryPublisher]:
            publisher = MemoryPublisher()
            connector = build_connector(settings, "mastodon", None, sleep=lambda _s: None, now=now)
            try:
                assert connector.options.query == PUBLIC_QUERY
                summary = run_connector(connector, PUBLIC_QUERY, store, publisher, once=True, now=lambda: now)
            finally:
                connector.close()
            return summary, publisher

        summary, publisher = once()
        first_round = list(api.requests)
        again, publisher2 = once()

    assert {r.path for r in api.requests} == {PUBLIC_PATH}
    assert [r.params for r in first_round] == [
        {"limit": "40"},
        {"limit": "40", "max_id": "117606000000000080"},
        {"limit": "40", "max_id": "117606000000000060"},
    ]
    expected = expected_posts("mastodon")
    assert [p.external_id for p in publisher.posts] == [e["external_id"] for e in expected]
    assert [p.model_dump(mode="json") for p in publisher.posts] == expected  # same statuses, same RawPosts
    assert summary.pages == 3
    # the next round asks only for newer statuses, under the public timeline's own cursor key
    assert api.requests[-1].params == {"limit": "40", "since_id": "117606000000000090"}
    assert publisher2.posts == [] and again.pages == 1
    saved = store.load()
    assert saved is not None and saved.query == PUBLIC_QUERY


def test_public_stream_path_and_gap_fill(tmp_path: Path) -> None:
    script = load_stream("mastodon")
    script = {**script, "query": PUBLIC_QUERY, "responses": on_public_timeline(script["responses"])}
    with StreamServer(PUBLIC_STREAM_PATH, [held()], []) as streaming, \
            StreamServer("/niet-gebruikt", [], script["responses"]) as rest:
        fields = {"mastodon_streaming_url": streaming.base_url, "mastodon_timeline": "public"}
        run = StreamRun("mastodon", rest, tmp_path, script, **fields)
        run.run(should_stop=lambda: bool(streaming.requests) and bool(rest.requests))
        [request] = streaming.requests
    assert request.path == PUBLIC_STREAM_PATH and request.params == {}
    assert request.headers["accept"] == "text/event-stream"
    assert rest.requests[0].path == PUBLIC_PATH  # the gap fill polls the public timeline too
    assert rest.requests[0].params["since_id"] == script["cursor"]["since_id"]
