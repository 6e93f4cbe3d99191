"""Dutch dates, absolute and relative, read against a pinned fetch time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawlers.web.dates import AMSTERDAM, parse_dutch_date

# Wednesday 25 November 2026, 10:00 in Amsterdam (CET, +01:00).
FETCHED = datetime(2026, 11, 25, 10, 0, tzinfo=AMSTERDAM)


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 november 2026 14:05", ams(2026, 11, 12, 14, 5)),
        ("12 november 2026, 14:05", ams(2026, 11, 12, 14, 5)),
        ("woensdag 12 nov. 2026 om 14:05", ams(2026, 11, 12, 14, 5)),
        ("12 November 2026 14.05 uur", ams(2026, 11, 12, 14, 5)),
        ("3 mrt 2026", ams(2026, 3, 3)),
        ("20 oktober 2026", ams(2026, 10, 20)),
        ("12 november", ams(2026, 11, 12)),
        ("28 december", ams(2025, 12, 28)),  # no year, would be in the future: last year
        ("12-11-2026", ams(2026, 11, 12)),
        ("12-11-2026 08:31", ams(2026, 11, 12, 8, 31)),
        ("1/7/2026 09:00", ams(2026, 7, 1, 9, 0)),  # summer time: +02:00
        ("12.11.2026", ams(2026, 11, 12)),
        ("zojuist", FETCHED),
        ("net", FETCHED),
        ("5 minuten geleden", FETCHED - timedelta(minutes=5)),
        ("10 min. geleden", FETCHED - timedelta(minutes=10)),
        ("1 uur geleden", FETCHED - timedelta(hours=1)),
        ("een uur geleden", FETCHED - timedelta(hours=1)),
        ("2 uur geleden", ams(2026, 11, 25, 8, 0)),
        ("3 dagen geleden", ams(2026, 11, 22, 10, 0)),
        ("2 weken geleden", ams(2026, 11, 11, 10, 0)),
        ("gisteren om 09:12", ams(2026, 11, 24, 9, 12)),
        ("Gisteren, 23:59", ams(2026, 11, 24, 23, 59)),
        ("gisteren", ams(2026, 11, 24)),
        ("eergisteren om 18:30", ams(2026, 11, 23, 18, 30)),
        ("vandaag om 07:45", ams(2026, 11, 25, 7, 45)),
        ("2026-11-12T14:05:00+01:00", ams(2026, 11, 12, 14, 5)),
        ("2026-11-12T13:05:00Z", datetime(2026, 11, 12, 13, 5, tzinfo=timezone.utc)),
        ("2026-11-12 14:05", ams(2026, 11, 12, 14, 5)),
        ("  12   november\n 2026 ", ams(2026, 11, 12)),
    ],
)
def test_parses(text: str, expected: datetime) -> None:
    parsed = parse_dutch_date(text, FETCHED)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text", [None, "", "geen datum", "31-02-2026", "12 brumaire 2026", "ooit geleden", "32 november 2026"]
)
def test_not_a_date(text: str | None) -> None:
    assert parse_dutch_date(text, FETCHED) is None


def test_relative_dates_count_elapsed_time_across_dst() -> None:
    # Sunday 29 March 2026 03:30 CEST; clocks went 02:00 -> 03:00. Two hours back is 00:30 CET.
    fetched = datetime(2026, 3, 29, 3, 30, tzinfo=AMSTERDAM)
    assert parse_dutch_date("2 uur geleden", fetched) == datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)


def test_fetch_time_in_another_zone_is_read_in_amsterdam() -> None:
    fetched = datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc)  # already the 25th in Amsterdam
    assert parse_dutch_date("gisteren om 09:12", fetched) == ams(2026, 11, 24, 9, 12)


def test_naive_fetch_time_is_a_bug() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_dutch_date("zojuist", datetime(2026, 11, 25, 10, 0))
