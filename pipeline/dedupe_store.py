"""Worker state on disk (the dedupe stage's, the alert rules'): a sqlite key-value table under the data dir.

Why not a faust Table: with the dedupe state in a changelogged faust table, the ingest
worker stalled after a graceful restart in 2 of 3 runs of the SIGTERM delivery test
(faust-streaming 0.15.3; not yet understood, see docs/decisions.md), and a stalled
worker is worse than a lost copy link. sqlite survives restarts and crashes on the
same host; dedupe is replay-safe (processors/dedupe.py), so the order of these writes
and Kafka's offset commits does not matter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, MutableMapping
from pathlib import Path


class SqliteStore(MutableMapping[str, str]):
    """A `MutableMapping[str, str]` in one sqlite file; `commit()` makes the writes durable."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level="DEFERRED")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
        self._db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def __getitem__(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def __setitem__(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: str) -> None:
        if self._db.execute("DELETE FROM state WHERE key = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter([row[0] for row in self._db.execute("SELECT key FROM state")])

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM state").fetchone()[0]

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        """Undo the writes since the last commit."""
        self._db.rollback()

    def close(self) -> None:
        self._db.commit()
        self._db.close()
