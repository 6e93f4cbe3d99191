"""What the poller remembers across restarts, in one sqlite file per state directory.

Per feed: the validators for conditional GET (ETag, Last-Modified), when it is next due,
how many polls in a row failed, the last status; and the post ids already emitted, bounded
per feed. sqlite (not JSON files) because thousands of feeds update independently and each
update must be atomic: a crash between "Kafka confirmed" and "recorded" re-emits at most
one feed's new entries on restart (at-least-once; the pipeline dedupes by post_id), and a
crash never leaves a half-written state file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_state (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    next_due REAL NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_status TEXT,
    last_polled REAL
);
CREATE TABLE IF NOT EXISTS emitted (
    url TEXT NOT NULL,
    post_id TEXT NOT NULL,
    seen REAL NOT NULL,
    PRIMARY KEY (url, post_id)
);
"""


@dataclass
class FeedState:
    """One feed's schedule and conditional-GET validators. Times are Unix seconds (UTC)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    next_due: float = 0.0
    failures: int = 0
    last_status: str | None = None
    last_polled: float | None = None


class FeedStateStore:
    """The sqlite-backed state of every feed. Use from one thread (the poller's event loop)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")  # a reader (luister status tools) never blocks the poller
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, atomic always
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_dir(cls, state_dir: Path) -> FeedStateStore:
        """The store under ``<state_dir>/feeds/state.sqlite3`` (settings.sources.state_dir)."""
        return cls(state_dir / "feeds" / "state.sqlite3")

    def load(self, url: str) -> FeedState:
        """The feed's saved state, or a fresh one (due now) for a feed never polled."""
        row = self._db.execute(
            "SELECT etag, last_modified, next_due, failures, last_status, last_polled FROM feed_state WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return FeedState(url=url)
        return FeedState(url, *row)

    def emitted(self, url: str, post_ids: Iterable[str]) -> set[str]:
        """Those of ``post_ids`` already emitted for this feed."""
        ids = list(post_ids)
        known: set[str] = set()
        for start in range(0, len(ids), 500):  # stay under sqlite's bound-parameter limit
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT post_id FROM emitted WHERE url = ? AND post_id IN ({marks})", (url, *chunk)
            )
            known.update(r[0] for r in rows)
        return known

    def record(self, state: FeedState, present_ids: Iterable[str] = (), keep: int = 1000) -> None:
        """Save the feed's state and mark ``present_ids`` (the ids in this fetch, all emitted
        by now) as seen at ``state.last_polled``, in one transaction. Keeps the ``keep`` most
        recently seen ids of the feed; ids in the current fetch are the most recent, so an entry
        still in the feed is never forgotten while ``keep`` is at least the feed's length."""
        seen = state.last_polled or 0.0
        with self._db:
            self._db.execute(
                "INSERT INTO feed_state (url, etag, last_modified, next_due, failures, last_status, last_polled)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag=excluded.etag,"
                " last_modified=excluded.last_modified, next_due=excluded.next_due, failures=excluded.failures,"
                " last_status=excluded.last_status, last_polled=excluded.last_polled",
                (state.url, state.etag, state.last_modified, state.next_due, state.failures,
                 state.last_status, state.last_polled),
            )
            ids = list(present_ids)
            if ids:
                self._db.executemany(
                    "INSERT INTO emitted (url, post_id, seen) VALUES (?, ?, ?)"
                    " ON CONFLICT(url, post_id) DO UPDATE SET seen=excluded.seen",
                    [(state.url, post_id, seen) for post_id in ids],
                )
                self._db.execute(
                    "DELETE FROM emitted WHERE url = ? AND post_id NOT IN"
                    " (SELECT post_id FROM emitted WHERE url = ? ORDER BY seen DESC LIMIT ?)",
                    (state.url, state.url, max(keep, len(set(ids)))),
                )

    def close(self) -> None:
        self._db.close()
