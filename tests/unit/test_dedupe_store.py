"""The dedupe state on disk: a MutableMapping that keeps what was committed across a reopen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.dedupe_store import SqliteStore
from processors.dedupe import Verdict, expire, find_duplicate

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
NEWS = "Spaarkist meldt dat de storing in de app sinds vanmiddag is verholpen en het geld binnen twee dagen terug is"


def test_mapping_operations(tmp_path):
    store = SqliteStore(tmp_path / "d.sqlite")
    store["id:x:1"] = "a"
    store["id:x:1"] = "b"
    assert store["id:x:1"] == "b" and len(store) == 1 and list(store) == ["id:x:1"] and store.get("nee") is None
    del store["id:x:1"]
    with pytest.raises(KeyError):
        del store["id:x:1"]
    assert len(store) == 0


def test_committed_state_survives_a_reopen_and_dedupe_uses_it(tmp_path):
    path = tmp_path / "d.sqlite"
    first = SqliteStore(path)
    find_duplicate("x:1", "fp1", NEWS, NOW, first)
    first.commit()
    first._db.close()  # a crash after the commit: no close() of our own
    again = SqliteStore(path)
    found = find_duplicate("x:2", "fp1", NEWS, NOW, again)
    assert (found.verdict, found.duplicate_of) == (Verdict.COPY, "x:1")
    assert expire(again, NOW, 7 * 86_400) == 0  # nothing is old yet
    assert expire(again, datetime(2026, 12, 30, tzinfo=UTC), 7 * 86_400) > 0 and len(again) == 0
    again.close()
