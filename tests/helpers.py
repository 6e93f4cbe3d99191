"""Small builders shared by unit and integration tests."""

from __future__ import annotations

import json
from typing import Any


def raw_post_dict(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid RawPost as JSON-ready data, numbered so ids are distinct."""
    post = {
        "source": "x",
        "external_id": f"t{n}",
        "channel": "x",
        "url": f"https://x.example/p/{n}",
        "author": {"id": f"u{n}", "handle": f"klant{n}", "display_name": f"Klant {n}", "followers": 12},
        "text": f"@bestelbaas waar blijft mijn pakket? Bestelnummer {n}, al 3 dagen onderweg 😡",
        "published_at": "2026-11-20T09:15:00+01:00",
        "fetched_at": "2026-11-20T09:15:05+01:00",
        "addressed": ["bestelbaas"],
    }
    post.update(overrides)
    return post


def raw_post_bytes(n: int = 1, **overrides: Any) -> bytes:
    return json.dumps(raw_post_dict(n, **overrides), ensure_ascii=False).encode("utf-8")
