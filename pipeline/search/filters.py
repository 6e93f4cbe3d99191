"""What `luister search` narrows a query to: filters on the posts' keyword and date fields.

Filters go in the bool query's ``filter`` part, apart from the Lucene query text: they
neither change scores nor highlights, the engine can cache them, and a user never has to
know field names or Lucene's range syntax to ask for "negative complaints of the last week".
The clauses are plain ``terms`` and ``range`` queries, which Elasticsearch 8 and
OpenSearch 2 read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, get_args
from zoneinfo import ZoneInfo

from schemas import INTENTS, SENTIMENTS, EnrichedPost

# Luister's customers are Dutch: a date or time given without a zone means Dutch local time,
# so "--since 2026-11-01" starts at midnight in Amsterdam, not at 01:00 there (UTC midnight).
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")

PRIORITIES: tuple[str, ...] = get_args(EnrichedPost.model_fields["priority"].annotation)

# (attribute of PostFilter, field in the posts index, word for it in descriptions)
_FIELDS = (
    ("monitors", "monitors", "monitor"),
    ("sources", "source", "source"),
    ("channels", "channel", "channel"),
    ("sentiments", "sentiment.label", "sentiment"),
    ("intents", "intent.label", "intent"),
    ("priorities", "priority", "priority"),
    ("langs", "lang", "lang"),
)

# Fields with a closed vocabulary: a typo there would silently find nothing, so it is refused.
_VOCABULARIES = {"sentiments": ("sentiment", SENTIMENTS), "intents": ("intent", INTENTS),
                 "priorities": ("priority", PRIORITIES)}

_SPAN = re.compile(r"([0-9]+)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_WHEN_FORMS = ("a span back from now: 30m, 24h, 7d, 2w; or an ISO date or date-time: 2026-11-01, "
              "2026-11-01T08:00, 2026-11-01T08:00:00+01:00 (without a zone: Dutch local time)")


@dataclass(frozen=True)
class PostFilter:
    """Which posts a search may return.

    Each tuple lists the values allowed for one field: a post passes when its field holds any
    of them (OR), and it must pass every non-empty tuple (AND). An empty tuple does not filter.
    ``since`` is inclusive and ``until`` exclusive, so ``since=Nov 1, until=Nov 2`` is one day.
    Raises ValueError for a sentiment, intent or priority outside its vocabulary, for a time
    without a zone, and for ``since`` not before ``until``.
    """

    monitors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for attribute, (word, allowed) in _VOCABULARIES.items():
            for value in getattr(self, attribute):
                if value not in allowed:
                    raise ValueError(f"unknown {word} {value!r}; choose from: {', '.join(allowed)}")
        for name, when in (("since", self.since), ("until", self.until)):
            if when is not None and when.utcoffset() is None:
                raise ValueError(f"{name} {when.isoformat()} has no time zone")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError(f"since ({_show(self.since)}) must be before until ({_show(self.until)})")

    def clauses(self) -> list[dict[str, Any]]:
        """Bool-query ``filter`` clauses: one ``terms`` per non-empty field, one ``range`` for the dates."""
        clauses: list[dict[str, Any]] = [
            {"terms": {field: list(getattr(self, attribute))}}
            for attribute, field, _ in _FIELDS
            if getattr(self, attribute)
        ]
        bounds = {op: _engine_time(when) for op, when in (("gte", self.since), ("lt", self.until)) if when}
        if bounds:
            clauses.append({"range": {"published_at": bounds}})
        return clauses

    def describe(self) -> str:
        """The filter in words for a result's title, e.g. 'sentiment negative or neutral, since 2026-11-01 00:00+01:00';
        empty when nothing is filtered."""
        parts = [f"{word} {' or '.join(getattr(self, attribute))}"
                 for attribute, _, word in _FIELDS if getattr(self, attribute)]
        parts += [f"{name} {_show(when)}" for name, when in (("since", self.since), ("until", self.until)) if when]
        return ", ".join(parts)


def parse_when(text: str, now: datetime) -> datetime:
    """The moment ``text`` names: a span back from ``now`` ('30m', '24h', '7d', '2w') or an ISO
    date or date-time; one without a zone is Dutch local time (a date: the start of that day).

    Always returns an aware datetime (``now`` must be aware). Raises ValueError listing the
    accepted forms for anything else.
    """
    text = text.strip()
    span = _SPAN.fullmatch(text)
    if span:
        try:
            return now - timedelta(**{_UNITS[span[2]]: int(span[1])})
        except OverflowError:
            raise ValueError(f"{text!r} reaches back too far") from None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"cannot read {text!r} as a time; use {_WHEN_FORMS}") from None
    return when if when.utcoffset() is not None else when.replace(tzinfo=LOCAL_ZONE)


def _engine_time(when: datetime) -> str:
    # UTC with milliseconds: the precision of a `date` field, in the one form both engines parse
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def _show(when: datetime) -> str:
    return when.astimezone(LOCAL_ZONE).isoformat(sep=" ", timespec="minutes")
