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


def matchable_post(text: str = "", **fields: Any) -> Any:
    """A stand-in for an EnrichedPost with just what monitor matching reads (no length limits,
    so a megabyte of text fits). ``handle`` and ``name`` set the author."""
    from types import SimpleNamespace

    author = SimpleNamespace(handle=fields.pop("handle", None), display_name=fields.pop("name", None))
    defaults: dict[str, Any] = {"title": None, "source": "x", "channel": "x", "language": None, "lang": "nl",
                                "mentions": [], "hashtags": []}
    return SimpleNamespace(text=text, author=author, **{**defaults, **fields})


FIELD_VALUES = {
    "channel": ["x", "forum", "review"],
    "source": ["x", "forum.netwerkpraat", "reviews.klantenoordeel"],
    "lang": ["nl", "en", "und"],
}


def random_query(rng: Any, words: list[str], depth: int = 3) -> str:
    """A random monitor query over ``words`` using every supported shape: words, phrases,
    proximity, wildcards, fields, AND/OR/NOT, implicit OR, +/-, groups and boosts."""
    if depth == 0 or rng.random() < 0.35:
        return _random_leaf(rng, words)
    parts = [random_query(rng, words, depth - 1) for _ in range(rng.randint(2, 3))]
    shape = rng.choice(["AND", "OR", "implicit", "plusminus", "not"])
    if shape == "plusminus":
        parts = [rng.choice(["+", "-", ""]) + f"({p})" for p in parts]
        return " ".join(parts)
    if shape == "not":
        return f"({parts[0]}) NOT ({parts[1]})" if rng.random() < 0.7 else f"NOT ({parts[0]})"
    joiner = " " if shape == "implicit" else f" {shape} "
    return joiner.join(f"({p})" for p in parts)


def _random_leaf(rng: Any, words: list[str]) -> str:
    kind = rng.random()
    word = rng.choice(words)
    if kind < 0.35:
        leaf = word
    elif kind < 0.55:
        picked = list(dict.fromkeys(rng.sample(words, rng.randint(2, 3))))
        leaf = '"' + " ".join(picked) + '"' + (f"~{rng.randint(1, 6)}" if rng.random() < 0.6 else "")
    elif kind < 0.7:
        cut = rng.randint(0, min(3, len(word)))
        leaf = word[:cut] + "*" if rng.random() < 0.8 else "*" + word[-2:]
    elif kind < 0.75:
        at = rng.randrange(len(word))
        leaf = word[:at] + "?" + word[at + 1:]
    elif kind < 0.9:
        leaf = f"{rng.choice(['title', 'author', 'text'])}:{word}"
    else:
        name = rng.choice(sorted(FIELD_VALUES))
        leaf = f"{name}:{rng.choice(FIELD_VALUES[name])}"
    return leaf + ("^2" if rng.random() < 0.05 else "")
