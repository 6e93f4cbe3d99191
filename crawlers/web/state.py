"""Which posts a site's crawls have already emitted (sqlite3, one file per site).

A post id is recorded only after Kafka confirmed its record, so a crash between
publishing and confirming means the post is published again by the next crawl
(at-least-once; the search index and dedupe make it effectively-once).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType


class EmittedStore:
    """A persistent set of post ids emitted for one site."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS emitted (post_id TEXT PRIMARY KEY, recorded_at TEXT NOT NULL)")
        self._db.commit()

    @classmethod
    def for_site(cls, state_dir: Path, site: str) -> EmittedStore:
        """The store under ``<state_dir>/web/<site>/emitted.sqlite3``."""
        return cls(state_dir / "web" / site / "emitted.sqlite3")

    def __contains__(self, post_id: object) -> bool:
        row = self._db.execute("SELECT 1 FROM emitted WHERE post_id = ?", (post_id,)).fetchone()
        return row is not None

    def record(self, post_ids: Iterable[str]) -> None:
        """Remember these ids as emitted (durably: committed before returning)."""
        now = datetime.now(UTC).isoformat()
        self._db.executemany(
            "INSERT OR IGNORE INTO emitted (post_id, recorded_at) VALUES (?, ?)", [(i, now) for i in post_ids]
        )
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM emitted").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmittedStore:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
