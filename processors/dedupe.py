"""Stage 'dedupe': recognise redeliveries, copies and near-duplicates of earlier posts.

Three checks, cheapest first, each against state the caller holds and passes in:

1. **Redelivery**: the same ``post_id`` again (Kafka at-least-once, a connector
   re-listing a page). The post gets back the verdict it got the first time, so a
   crash-and-replay indexes nothing twice and flips nothing.
2. **Copy**: another post with the same ``fingerprint`` (normalize's sha1 of the
   content words) came first. Retweets, copy-paste, syndicated press releases.
3. **Near-duplicate**: an earlier original told the same story with small edits.
   MinHash over character 5-grams of the content words, found through LSH bands,
   confirmed by the similarity of the stored signatures.

Pure: the state is a ``MutableMapping[str, str]`` (a sqlite file in the worker, a
dict in tests), the time is passed in, nothing is read from the environment.

**State.** Every key is small and every value is compact JSON carrying its time
``t`` (whole seconds since the epoch), so ``expire`` can bound memory:

- ``id:<post_id>`` -> ``{"t", "v": verdict, "of": duplicate_of, "c": cluster_id,
  "s": similarity, "m": signature}``: one per post seen. ``m`` (base64 of the
  low 16 bits of each MinHash value, 256 bytes) only on originals that are long
  enough for near-duplicate detection; it is what a candidate is verified against.
- ``fp:<fingerprint>`` -> ``{"t", "id": first post with this content, "c": its cluster}``.
- ``lsh:<band>:<hash>`` -> ``{"t": newest member's time, "ids": [post_id, ...]}``:
  originals whose signature has this band, oldest first, at most ``bucket_cap``. A
  bucket expires as a whole; a member whose ``id:`` entry expired before it is skipped.

**Where the state lives.** The ingest worker keeps it in a sqlite file
(pipeline/dedupe_store.py). One ingest worker sees everything; with several ingest
workers each has its own state, so copies across workers are missed. Copies of one
fingerprint could be brought together by repartitioning on the fingerprint;
near-duplicates (one post, many band keys) cannot. One dedupe consumer handles ~16k
posts/s per core (benchmarks/dedupe.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import operator
import struct
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

import rensa

from processors.normalize import content_words

STAGE = "dedupe"

# Bump when shingling, the MinHash library or its parameters change meaning: band
# hashes are keyed with it, so state written under the old scheme is never matched
# against the new one (it ages out within the window). A golden-digest test guards it.
SCHEME = "dd1"

EMPTY_FINGERPRINT = hashlib.sha1(b"").hexdigest()
"""The fingerprint of a text without words (empty, emoji only, a bare link): never a copy key."""


class Verdict(StrEnum):
    """What dedupe decided about one post; a fixed vocabulary, fit for metric labels."""

    ORIGINAL = "original"
    REDELIVERY = "redelivery"
    COPY = "copy"
    NEAR_DUPLICATE = "near_duplicate"


@dataclass(frozen=True)
class DedupeConfig:
    """Tuning of the dedupe stage. The defaults are measured on the sample corpus (docs/decisions.md)."""

    near_threshold: float = 0.8
    """Estimated Jaccard similarity (of character 5-gram sets) from which a post is a near-duplicate.
    In the sample, the same news story from different outlets scores 0.90-0.99 and unrelated posts at
    most 0.29."""
    num_perm: int = 128
    """MinHash size: the similarity estimate's standard error is ~0.035 at 0.8."""
    shingle_chars: int = 5
    """Character n-gram size. 5-grams keep a one- or two-word edit of a 20-40 word post above 0.8 more
    often than word 2- or 3-grams, and tolerate inflections and compounds ('telecomaanbieder' vs
    'telecombedrijf'); word n-grams are cheaper but brittle on short posts."""
    min_words: int = 8
    """Posts with fewer content words skip the near-duplicate check (exact copies are still found).
    Short reactions ('Top service!', 'nog steeds geen internet') from different people are nearly
    identical by chance, and a one-word edit of a short post drops its similarity below 0.8 anyway."""
    max_chars: int = 50_000
    """Only the first this-many characters of the folded words are shingled (the schema's text limit):
    bounds the cost of a pathological post to a few milliseconds."""
    window_s: int = 7 * 86_400
    """How long a post is remembered: copies of news and of viral posts arrive within days. State is
    ~1.7 KB per original (measured on the sample; the 17 band keys are most of it), so a week at
    100,000 posts a day is ~1.2 GB in the worker's table."""
    bucket_cap: int = 8
    """Most originals remembered per LSH bucket (newest kept): bounds the candidates a post is verified
    against when many posts share a band (templates, a storm of near-identical complaints)."""
    seed: int = 20261125
    """MinHash seed. Persisted band hashes depend on it: never derive it from Python's hash()."""
    recall: float = 0.98
    """Chance that a pair exactly at the threshold shares at least one LSH band; sets bands x rows."""

    @property
    def bands(self) -> int:
        return _lsh_shape(self.near_threshold, self.num_perm, self.recall)[0]

    @property
    def rows(self) -> int:
        return _lsh_shape(self.near_threshold, self.num_perm, self.recall)[1]


@dataclass(frozen=True)
class Dedupe:
    """The dedupe verdict of one post.

    ``first_verdict`` is what the post got when its ``post_id`` was first seen: equal to
    ``verdict`` for a new post, the stored verdict for a redelivery. Route on
    ``first_verdict``; count ``verdict``.
    """

    verdict: Verdict
    first_verdict: Verdict
    duplicate_of: str | None = None
    cluster_id: str | None = None
    similarity: float | None = None


@cache
def _lsh_shape(threshold: float, num_perm: int, recall: float) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest chance candidates) for which a pair at the
    threshold still collides in some band with probability >= recall, within num_perm values.
    For 0.8 / 128 / 0.98 that is 17 bands of 7 rows: P(candidate) is 0.98 at 0.8, 0.20 at 0.5,
    0.004 at 0.3. Candidates are verified, so recall matters more than candidate count."""
    for rows in range(num_perm, 0, -1):
        p_band = threshold**rows
        if p_band >= 1:
            return 1, rows
        if p_band <= 0:
            continue
        bands = math.ceil(math.log1p(-recall) / math.log1p(-p_band))
        if bands * rows <= num_perm:
            return bands, rows
    return num_perm, 1


def shingles(words: list[str], size: int, max_chars: int) -> list[str]:
    """Character n-grams of the words joined by single spaces (a text shorter than n is one shingle)."""
    joined = " ".join(words)[:max_chars]
    if len(joined) <= size:
        return [joined]
    return [joined[i:i + size] for i in range(len(joined) - size + 1)]


def minhash(words: list[str], config: DedupeConfig) -> list[int]:
    """The MinHash signature (num_perm 32-bit values) of the words' shingles; the same in every process."""
    sketch = rensa.RMinHash(config.num_perm, config.seed)
    sketch.update(shingles(words, config.shingle_chars, config.max_chars))
    return sketch.digest()


def _band_keys(signature: list[int], config: DedupeConfig) -> list[str]:
    bands, rows = config.bands, config.rows
    scheme = f"{SCHEME}/{config.num_perm}/{rows}/{config.shingle_chars}/{config.seed}".encode()
    values = struct.pack(f"<{len(signature)}I", *signature)
    width = rows * 4
    return [
        f"lsh:{band}:{hashlib.blake2b(values[band * width:(band + 1) * width], digest_size=8, key=scheme).hexdigest()}"
        for band in range(bands)
    ]


def _low16(signature: list[int]) -> bytes:
    # The low 16 bits of each value: two unequal 32-bit minima agree there by chance 1 in 65,536,
    # a bias far below the estimate's own error, for half the stored bytes.
    return struct.pack(f"<{len(signature)}H", *(value & 0xFFFF for value in signature))


def _similarity(signature: list[int], packed: str) -> float:
    """Estimated Jaccard similarity: the share of equal MinHash values."""
    other = base64.b64decode(packed)
    if len(other) != 2 * len(signature):
        return 0.0
    theirs = struct.unpack(f"<{len(signature)}H", other)
    return sum(map(operator.eq, (value & 0xFFFF for value in signature), theirs)) / len(signature)


def _dump(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def find_duplicate(
    post_id: str,
    fingerprint: str,
    text: str,
    now: datetime,
    store: MutableMapping[str, str],
    config: DedupeConfig = DedupeConfig(),
) -> Dedupe:
    """Decide whether a post repeats an earlier one, and remember it in ``store``.

    Inputs: the post's id, its normalize ``fingerprint`` (of title and text), its
    normalized text (without the title: outlets retitle the same story, and the body is
    what near-duplicate detection compares) and the processing time ``now``, which
    stamps what is stored; pass the enrich stage's ``now`` rather than ``published_at``,
    so a late backfill is not expired at once and expiry follows the wall clock.

    Returns a ``Dedupe``. A redelivery writes nothing. A new post writes its fingerprint
    (unless empty), as an original its LSH bands, and last its ``id:`` entry: a replay
    after a crash between these writes finds no ``id:`` entry, recomputes the same
    verdict (its own earlier entries are skipped) and writes the same values again.

    Errors: none for any text (empty, emoji only, megabytes); raises only for bugs or
    when the store itself fails.
    """
    id_key = f"id:{post_id}"
    seen = store.get(id_key)
    if seen is not None:
        first = json.loads(seen)
        return Dedupe(Verdict.REDELIVERY, Verdict(first["v"]), first.get("of"), first.get("c"), first.get("s"))

    t = int(now.timestamp())
    fp_key = f"fp:{fingerprint}" if fingerprint and fingerprint != EMPTY_FINGERPRINT else None
    if fp_key is not None and (earlier := store.get(fp_key)) is not None:
        fp = json.loads(earlier)
        if fp["id"] != post_id:
            store[id_key] = _dump({"t": t, "v": Verdict.COPY, "of": fp["id"], "c": fp["c"]})
            return Dedupe(Verdict.COPY, Verdict.COPY, fp["id"], fp["c"])

    words = content_words(text)
    signature = minhash(words, config) if len(words) >= config.min_words else None
    band_keys = _band_keys(signature, config) if signature is not None else []
    match = _best_candidate(post_id, signature, band_keys, store, config) if signature is not None else None

    if match is not None:
        original, similarity = match
        if fp_key is not None:
            store[fp_key] = _dump({"t": t, "id": post_id, "c": original})
        store[id_key] = _dump({"t": t, "v": Verdict.NEAR_DUPLICATE, "of": original, "c": original, "s": similarity})
        return Dedupe(Verdict.NEAR_DUPLICATE, Verdict.NEAR_DUPLICATE, original, original, similarity)

    if fp_key is not None:
        store[fp_key] = _dump({"t": t, "id": post_id, "c": post_id})
    entry: dict = {"t": t, "v": Verdict.ORIGINAL}
    if signature is not None:
        for key in band_keys:
            _add_to_bucket(store, key, post_id, t, config.bucket_cap)
        entry["m"] = base64.b64encode(_low16(signature)).decode("ascii")
    store[id_key] = _dump(entry)
    return Dedupe(Verdict.ORIGINAL, Verdict.ORIGINAL)


def _best_candidate(
    post_id: str, signature: list[int], band_keys: list[str], store: MutableMapping[str, str], config: DedupeConfig
) -> tuple[str, float] | None:
    """The most similar remembered original at or above the threshold (the earliest on a tie)."""
    candidates: dict[str, None] = {}
    for key in band_keys:
        bucket = store.get(key)
        if bucket is not None:
            candidates.update((member, None) for member in json.loads(bucket)["ids"] if member != post_id)
    best: tuple[str, float] | None = None
    for candidate in candidates:
        entry = store.get(f"id:{candidate}")
        packed = json.loads(entry).get("m") if entry is not None else None
        if packed is None:
            continue  # expired since it was put in the bucket
        similarity = round(_similarity(signature, packed), 3)
        if similarity >= config.near_threshold and (best is None or similarity > best[1]):
            best = (candidate, similarity)
    return best


def _add_to_bucket(store: MutableMapping[str, str], key: str, post_id: str, t: int, cap: int) -> None:
    bucket = store.get(key)
    entry = json.loads(bucket) if bucket is not None else {"t": t, "ids": []}
    if post_id in entry["ids"]:
        return  # a replay after a crash: already in
    store[key] = _dump({"t": max(t, entry["t"]), "ids": (entry["ids"] + [post_id])[-cap:]})


def expire(store: MutableMapping[str, str], now: datetime, window_s: int = DedupeConfig.window_s) -> int:
    """Forget what was stored more than ``window_s`` seconds before ``now``; returns how many keys went.

    An LSH bucket goes when its newest member is old. Called by the worker
    from a timer; costs one pass over the store (~1 µs per entry). After expiry a
    copy of a forgotten post is an original again: a story that resurfaces after the
    window starts a new cluster.
    """
    cutoff = int(now.timestamp()) - window_s
    removed = 0
    for key, value in list(store.items()):
        if json.loads(value)["t"] < cutoff:
            del store[key]
            removed += 1
    return removed
