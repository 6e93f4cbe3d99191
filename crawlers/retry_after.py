"""The HTTP Retry-After header, shared by every source that fetches over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from ``now`` (RFC 9110 section 10.2.3); None when absent or unreadable.

    It is delta-seconds (ASCII digits only: '1.5', '-3' and '²' are unreadable) or an HTTP-date in any of
    the three formats a recipient must accept; a date in the past means 0. The asctime format carries no
    zone and is GMT by definition.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)
