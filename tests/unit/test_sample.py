"""The bundled sample (deploy/local/sample) is what `make run` shows; these tests keep it honest.

The corpus must stay a valid, varied stream of RawPost lines with the awkward parts
(copies, redeliveries, threads) the pipeline is meant to handle, and every line of
malformed.jsonl must stay broken, or the dead-letter demo proves nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from schemas.raw_post import RawPost

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "local" / "sample"


def _lines(name: str) -> list[str]:
    return (SAMPLE / name).read_text(encoding="utf-8").splitlines()


POST_LINES = _lines("posts.jsonl")
MALFORMED_LINES = _lines("malformed.jsonl")


def _parse_all() -> list[RawPost]:
    return [RawPost.model_validate_json(line) for line in POST_LINES]


@pytest.mark.parametrize(
    "number, line", [pytest.param(n, line, id=f"posts.jsonl:{n}") for n, line in enumerate(POST_LINES, start=1)]
)
def test_every_post_line_is_a_raw_post_with_an_explicit_post_id(number: int, line: str) -> None:
    raw = json.loads(line)
    assert isinstance(raw, dict), f"line {number} is not a JSON object"
    assert raw.get("post_id") == f"{raw['source']}:{raw['external_id']}", f"line {number}: post_id not explicit"
    post = RawPost.model_validate(raw)
    assert post.text.strip(), f"line {number} has an empty text"
    assert post.fetched_at >= post.published_at, f"line {number} was fetched before it was published"


def _channels(posts: list[RawPost]) -> int:
    return len({p.channel for p in posts})


def _redeliveries(posts: list[RawPost]) -> int:
    """Lines that repeat an earlier line byte for byte (same post_id, same everything)."""
    return sum(n - 1 for n in Counter(POST_LINES).values() if n > 1)


def _copies(posts: list[RawPost]) -> int:
    """Texts that appear under more than one post_id (reposts, syndicated articles, chain letters)."""
    ids_by_text: dict[str, set[str]] = {}
    for p in posts:
        ids_by_text.setdefault(p.text, set()).add(p.post_id)
    return sum(1 for ids in ids_by_text.values() if len(ids) > 1)


def _retweets(posts: list[RawPost]) -> int:
    return sum(1 for p in posts if p.channel == "x" and p.text.startswith("RT @"))


def _dangling_replies(posts: list[RawPost]) -> int:
    known = {p.post_id for p in posts}
    return sum(1 for p in posts if p.in_reply_to is not None and p.in_reply_to not in known)


def _replies(posts: list[RawPost]) -> int:
    return sum(1 for p in posts if p.in_reply_to is not None)


def _redelivered_ids_disagree(posts: list[RawPost]) -> int:
    """A post_id seen on two lines must be the same record (a redelivery, not a clash)."""
    seen: dict[str, str] = {}
    clashes = 0
    for line, p in zip(POST_LINES, posts, strict=True):
        if seen.setdefault(p.post_id, line) != line:
            clashes += 1
    return clashes


def _forum_threads_with_several_posts(posts: list[RawPost]) -> int:
    per_thread = Counter(
        (p.source, p.conversation_id) for p in posts if p.channel == "forum" and p.conversation_id
    )
    return sum(1 for n in per_thread.values() if n >= 3)


def _flemish(posts: list[RawPost]) -> int:
    return sum(1 for p in posts if p.language == "nl-BE")


def _without_language(posts: list[RawPost]) -> int:
    return sum(1 for p in posts if p.language is None)


def _reviews_with_rating(posts: list[RawPost]) -> int:
    return sum(1 for p in posts if p.channel == "review" and p.rating is not None)


def _at_least(minimum: int) -> Callable[[int], bool]:
    return lambda n: n >= minimum


def _exactly(expected: int) -> Callable[[int], bool]:
    return lambda n: n == expected


CORPUS_RULES: list[tuple[str, Callable[[list[RawPost]], int], Callable[[int], bool], str]] = [
    ("lines", len, _at_least(300), "at least 300 lines"),
    ("channels", _channels, _at_least(6), "at least 6 channels"),
    ("exact redeliveries", _redeliveries, _at_least(1), "at least one line delivered twice"),
    ("copies", _copies, _at_least(1), "at least one text under two post_ids"),
    ("retweets", _retweets, _at_least(1), "at least one 'RT @' repost on X"),
    ("replies", _replies, _at_least(20), "at least 20 replies (threads)"),
    ("dangling replies", _dangling_replies, _exactly(0), "every in_reply_to points into the corpus"),
    ("post_id clashes", _redelivered_ids_disagree, _exactly(0), "a repeated post_id is a byte-identical line"),
    ("forum threads", _forum_threads_with_several_posts, _at_least(1), "a forum thread with 3+ posts"),
    ("Flemish posts", _flemish, _at_least(5), "at least 5 posts tagged nl-BE"),
    ("posts without language", _without_language, _at_least(5), "some posts leave language to detection"),
    ("rated reviews", _reviews_with_rating, _at_least(5), "reviews carry a rating"),
]


@pytest.fixture(scope="module")
def posts() -> list[RawPost]:
    return _parse_all()


@pytest.mark.parametrize("name, measure, holds, meaning", CORPUS_RULES, ids=[r[0] for r in CORPUS_RULES])
def test_corpus_has(
    posts: list[RawPost],
    name: str,
    measure: Callable[[list[RawPost]], int],
    holds: Callable[[int], bool],
    meaning: str,
) -> None:
    value = measure(posts)
    assert holds(value), f"sample corpus should have {meaning}; {name} = {value}"


def test_malformed_sample_has_between_8_and_12_lines() -> None:
    assert 8 <= len(MALFORMED_LINES) <= 12


@pytest.mark.parametrize(
    "number, line",
    [pytest.param(n, line, id=f"malformed.jsonl:{n}") for n, line in enumerate(MALFORMED_LINES, start=1)],
)
def test_every_malformed_line_is_refused(number: int, line: str) -> None:
    with pytest.raises((json.JSONDecodeError, ValidationError)):
        RawPost.model_validate(json.loads(line))


@pytest.fixture(scope="module")
def monitors() -> list[dict]:
    loaded = yaml.safe_load((SAMPLE / "monitors.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict) and isinstance(loaded.get("monitors"), list)
    return loaded["monitors"]


def test_sample_has_three_monitors_with_distinct_ids(monitors: list[dict]) -> None:
    ids = [m.get("id") for m in monitors]
    assert len(ids) == 3 and len(set(ids)) == 3, ids


@pytest.mark.parametrize("key, kind", [("id", str), ("name", str), ("query", str), ("owned_accounts", list)])
def test_every_monitor_has(monitors: list[dict], key: str, kind: type) -> None:
    for monitor in monitors:
        assert isinstance(monitor.get(key), kind) and monitor[key], f"monitor {monitor.get('id')!r} lacks {key}"


def test_every_owned_account_speaks_in_the_corpus(monitors: list[dict], posts: list[RawPost]) -> None:
    """Webcare replies are part of the demo; an owned account that never posts is a typo."""
    authors = {p.author.handle for p in posts if p.author and p.author.handle}
    for monitor in monitors:
        for account in monitor["owned_accounts"]:
            assert account in authors, f"owned account {account!r} of {monitor['id']!r} never posts in the sample"


def test_every_monitor_and_competitor_is_mentioned(monitors: list[dict], posts: list[RawPost]) -> None:
    texts = [f"{p.title or ''} {p.text}".lower() for p in posts]
    names = [m["name"] for m in monitors] + [c["name"] for m in monitors for c in m.get("competitors", [])]
    for name in names:
        assert any(name.lower() in t for t in texts), f"{name!r} is never mentioned in the sample"
