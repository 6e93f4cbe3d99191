"""The composition of processing stages between ``posts.raw`` and ``posts.enriched``.

Each stage is a pure function; this module only chains them and carries the
explicit state they need (``EnrichState``):

    normalize -> relevance (monitors, competitors, proactive) -> dedupe

Classification follows per batch, not per post (one model call for the batch's
kept posts): processors/classify/stage.py, run by the ingest worker.

Relevance runs before dedupe so that the dedupe state holds only posts someone
watches: most of what sources bring in matches no monitor, and remembering it
would cost memory for nothing. Copies share their content, so they share their
relevance too.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from processors.dedupe import DedupeConfig, Verdict, find_duplicate
from processors.normalize import LanguageGuesser, normalize
from processors.outcome import Drop, Fail, Keep
from processors.relevance.match import MonitorIndex
from processors.relevance.monitors import Monitor
from processors.relevance.accounts import is_brand_post, is_proactive, owned_contact
from schemas import EnrichedPost, RawPost

# Drop reasons: a fixed vocabulary (logs and metrics).
IRRELEVANT = "irrelevant"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class EnrichState:
    """What the stages need besides the post: built once per worker, passed to every call.

    ``dedupe_store`` is the dedupe state (a sqlite file in the worker, a dict in tests);
    ``copies`` says whether copies and near-duplicates are kept (with ``duplicate_of``)
    or dropped; ``keep_unmatched`` keeps posts that match no monitor or competitor.
    """

    guesser: LanguageGuesser
    monitors: tuple[Monitor, ...] = ()
    index: MonitorIndex | None = None
    dedupe_store: MutableMapping[str, str] | None = None
    dedupe: DedupeConfig = DedupeConfig()
    copies: Literal["index", "drop"] = "index"
    keep_unmatched: bool = False

    @classmethod
    def build(cls, guesser: LanguageGuesser, monitors: list[Monitor], **options: object) -> EnrichState:
        """State for a monitors file: the monitors and their compiled, indexed queries."""
        return cls(guesser=guesser, monitors=tuple(monitors), index=MonitorIndex(monitors), **options)  # type: ignore[arg-type]


def enrich(post: RawPost, *, state: EnrichState, now: datetime) -> Keep[EnrichedPost] | Drop | Fail:
    """Run the enrichment stages over one valid RawPost.

    ``now`` is passed in (not read from the clock) so the result is a pure function
    of its inputs and the state. Returns the EnrichedPost, or ``Drop('irrelevant')``
    (matches no monitor or competitor, unless kept) or ``Drop('duplicate')`` (a copy,
    when copies are dropped). Without an index (``state.index is None``) every post is
    relevant; without a store nothing is deduplicated.
    """
    norm = normalize(post.text, post.title, post.language, state.guesser)
    fields = post.model_dump()
    fields.update(
        text=norm.text,
        mentions=list(dict.fromkeys([m.lower() for m in post.mentions] + list(norm.mentions))),
        lang=norm.lang,
        hashtags=list(norm.hashtags),
        links=list(norm.links),
        fingerprint=norm.fingerprint,
        enriched_at=now,
        stages=["validate", "normalize"],
    )
    enriched = EnrichedPost(**fields)
    stages = ["validate", "normalize"]
    update: dict[str, object] = {}

    if state.index is not None:
        matches = state.index.match(enriched)
        own = owned_contact(enriched, state.monitors)  # to or from the brand's accounts
        monitors = [m.id for m in state.monitors if m.id in matches.monitors or m.id in own]
        if not monitors and not matches.competitors and not state.keep_unmatched:
            return Drop(IRRELEVANT)
        matched = [m for m in state.monitors if m.id in matches.monitors]
        update.update(
            monitors=monitors,
            competitors=list(matches.competitors),
            proactive=is_proactive(enriched, matched),
            owned=is_brand_post(enriched, [m for m in state.monitors if m.id in monitors]),
        )
        stages.append("relevance")

    if state.dedupe_store is not None:
        found = find_duplicate(post.post_id, norm.fingerprint, norm.text, now, state.dedupe_store, state.dedupe)
        if found.first_verdict is not Verdict.ORIGINAL and state.copies == "drop":
            return Drop(DUPLICATE)
        update.update(
            duplicate=found.first_verdict.value,
            duplicate_of=found.duplicate_of,
            cluster_id=found.cluster_id,
            similarity=found.similarity,
        )
        stages.append("dedupe")

    update["stages"] = stages
    return Keep(enriched.model_copy(update=update))
