"""Dutch date parsing for crawled pages: absolute and relative, in Europe/Amsterdam.

Pure functions: the fetch time is passed in, so a relative date ("2 uur geleden")
means the same thing in a test as on the day it was crawled.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "augustus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip

_UNITS = {
    "sec": timedelta(seconds=1), "seconde": timedelta(seconds=1), "seconden": timedelta(seconds=1),
    "min": timedelta(minutes=1), "minuut": timedelta(minutes=1), "minuten": timedelta(minutes=1),
    "u": timedelta(hours=1), "uur": timedelta(hours=1), "uren": timedelta(hours=1),
    "dag": timedelta(days=1), "dagen": timedelta(days=1),
    "week": timedelta(weeks=1), "weken": timedelta(weeks=1),
}  # fmt: skip

_WORD_NUMBERS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "tien": 10}

_TIME = r"(?:\s*(?:,|om|-)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?(?:\s*uur)?)?"
_NUMERIC = re.compile(r"^(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})" + _TIME + r"$")
_WRITTEN = re.compile(
    r"^(?:[a-z]+dag\s*,?\s*)?(?P<day>\d{1,2})\s+(?P<month>[a-z]+)\.?(?:\s+(?P<year>\d{4}))?" + _TIME + r"$"
)
_RELATIVE = re.compile(r"^(?P<n>\d+|[a-zé]+)\s+(?P<unit>[a-z]+)\.?\s+geleden$")
_DAY_WORD = re.compile(r"^(?P<word>vandaag|gisteren|eergisteren)" + _TIME + r"$")
_NOW_WORDS = {"zojuist", "net", "nu", "just", "net geplaatst", "enkele seconden geleden"}
_DAY_OFFSETS = {"vandaag": 0, "gisteren": 1, "eergisteren": 2}


def parse_dutch_date(text: str | None, fetched_at: datetime) -> datetime | None:
    """Read a date as Dutch-language sites write it; None when it is not a date.

    Accepts ISO 8601 ("2026-11-12T14:05:00+01:00"), written dates ("12 november 2026
    14:05", "woensdag 12 nov. 2026 om 14:05", "12 november" = the latest such day not
    after the fetch), numeric dates ("12-11-2026", "12/11/2026 14:05") and relative ones
    ("zojuist", "5 minuten geleden", "2 uur geleden", "3 dagen geleden", "gisteren om
    09:12", "eergisteren"). ``fetched_at`` must be time-zone aware; relative dates are
    counted back from it. Dates without a zone are Europe/Amsterdam wall-clock time; a
    date without a time of day is midnight. The result is aware, in Europe/Amsterdam
    (ISO input keeps its own offset).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be time-zone aware")
    if not text:
        return None
    raw = " ".join(text.split())
    iso = _parse_iso(raw)
    if iso is not None:
        return iso
    value = raw.lower().strip(" .,")
    now = fetched_at.astimezone(AMSTERDAM)
    if value in _NOW_WORDS:
        return now
    if match := _RELATIVE.match(value):
        return _relative(match, now)
    if match := _DAY_WORD.match(value):
        day = (now - timedelta(days=_DAY_OFFSETS[match["word"]])).date()
        return _local(day.year, day.month, day.day, match)
    if match := _NUMERIC.match(value):
        return _local(int(match["year"]), int(match["month"]), int(match["day"]), match)
    if match := _WRITTEN.match(value):
        month = MONTHS.get(match["month"])
        if month is None:
            return None
        if match["year"]:
            return _local(int(match["year"]), month, int(match["day"]), match)
        guess = _local(now.year, month, int(match["day"]), match)
        if guess is not None and guess > now:  # "28 december" read on 2 January is last year
            guess = _local(now.year - 1, month, int(match["day"]), match)
        return guess
    return None


def _parse_iso(value: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=AMSTERDAM)


def _relative(match: re.Match[str], now: datetime) -> datetime | None:
    count = match["n"]
    n = int(count) if count.isdigit() else _WORD_NUMBERS.get(count)
    unit = _UNITS.get(match["unit"])
    if n is None:
        return None
    if unit is None:
        if match["unit"] in ("maand", "maanden"):
            unit = timedelta(days=30)  # "3 maanden geleden" is only ever approximate
        elif match["unit"] in ("jaar", "jaren"):
            unit = timedelta(days=365)
        else:
            return None
    # Subtract in UTC: "2 uur geleden" is elapsed time, also across a DST change.
    return (now.astimezone(ZoneInfo("UTC")) - n * unit).astimezone(AMSTERDAM)


def _local(year: int, month: int, day: int, match: re.Match[str]) -> datetime | None:
    hour = int(match["hour"]) if match["hour"] else 0
    minute = int(match["minute"]) if match["minute"] else 0
    second = int(match["second"]) if match["second"] else 0
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=AMSTERDAM)
    except ValueError:
        return None
