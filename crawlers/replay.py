"""Replay a JSON-lines file of RawPosts into posts.raw, byte for byte.

Lines are published as they are, so a file with broken lines exercises the
dead-letter path exactly as broken input from a live source would. The key is
the post_id when the line reveals one; otherwise the record has no key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from crawlers.publish import PublishReport, RawPublisher
from pipeline.settings import Settings
from schemas import make_post_id


def key_of(line: bytes) -> bytes | None:
    """The post_id of a replayed line, or None when the line does not tell it."""
    try:
        data = json.loads(line)
    except ValueError:  # includes invalid UTF-8 and invalid JSON
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("post_id"), str) and data["post_id"]:
        return data["post_id"].encode("utf-8")
    if isinstance(data.get("source"), str) and isinstance(data.get("external_id"), str):
        return make_post_id(data["source"], data["external_id"]).encode("utf-8")
    return None


def read_lines(path: Path) -> Iterator[bytes]:
    """The non-empty lines of a file, without line endings."""
    with path.open("rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield line


def replay(settings: Settings, paths: list[Path], on_line: Callable[[], None] = lambda: None) -> PublishReport:
    """Publish every line of every file to posts.raw and wait for Kafka's confirmations."""
    with RawPublisher(settings) as publisher:
        for path in paths:
            for line in read_lines(path):
                publisher.publish_bytes(key_of(line), line)
                on_line()
    return publisher.report
