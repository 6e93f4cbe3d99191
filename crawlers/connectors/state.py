"""Cursor persistence: one JSON file per connector, replaced atomically.

The runner saves a page's cursor only after Kafka confirmed every post of that
page. A crash before the save re-fetches the page (at-least-once; the pipeline
dedupes by post_id); a crash during the save leaves the previous file intact
(write to a temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crawlers.connectors.base import Cursor


@dataclass(frozen=True)
class SavedCursor:
    """What is on disk: the query the cursor belongs to, the cursor, and when it was saved."""

    query: str
    cursor: Cursor
    saved_at: str


class CursorStore:
    """`<state_dir>/connectors/<name>.json` for one connector."""

    def __init__(self, state_dir: Path, name: str) -> None:
        self.path = Path(state_dir) / "connectors" / f"{name}.json"

    def load(self) -> SavedCursor | None:
        """The saved cursor, or None before the first confirmed page."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return SavedCursor(query=data["query"], cursor=dict(data["cursor"]), saved_at=data["saved_at"])

    def save(self, query: str, cursor: Cursor, now: datetime) -> None:
        """Replace the saved cursor atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"query": query, "cursor": cursor, "saved_at": now.isoformat()}, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
