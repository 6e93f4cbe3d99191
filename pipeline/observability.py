"""Logging and metrics: structlog for events, Prometheus counters for outcomes, secrets kept out of logs.

Outcome labels come from a fixed vocabulary, never from free text, so
dashboards and alerts on them stay stable.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

import structlog
from prometheus_client import Counter

# The fixed vocabulary of what happens to a record in a stage.
OUTCOMES = (
    "kept", "dropped", "irrelevant", "duplicate", "dead", "indexed", "retried",
    # alerts: posts skipped (invalid, or applied before a restart); alerts published or held back
    "invalid", "replayed", "published", "suppressed",
    # notify: one alert at one destination
    "delivered", "already_delivered", "refused",
)

RECORDS = Counter(
    "luister_records_total",
    "Records handled per stage and outcome.",
    ["stage", "outcome"],
)


def count(stage: str, outcome: str, n: int = 1) -> None:
    """Count n records of one stage ending in one outcome from OUTCOMES."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; use one of {OUTCOMES}")
    if n:
        RECORDS.labels(stage=stage, outcome=outcome).inc(n)


def configure_logging(level: str, fmt: str) -> None:
    """Route stdlib logging (faust, kafka clients) and structlog to stderr in one format."""
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    renderer = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )


# httpx logs every request line ("HTTP Request: POST <url>", query string included) at INFO on this logger.
HTTPX_LOG = logging.getLogger("httpx")


class Redact(logging.Filter):
    """Replaces each of some secret strings by '***' in the records of the logger it is added to.

    A filter rather than a quieter logger: a logger's level is the whole process's, and other code may
    want the (redacted) lines.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted(set(secrets) - {""}, key=len, reverse=True)  # longest first: no half-hidden secret

    def hide(self, text: str) -> str:
        """``text`` with every secret replaced by '***'."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = self.hide(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True
