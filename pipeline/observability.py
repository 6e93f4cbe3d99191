"""Logging and metrics: structlog for events, Prometheus counters for outcomes.

Outcome labels come from a fixed vocabulary, never from free text, so
dashboards and alerts on them stay stable.
"""

from __future__ import annotations

import logging
import sys

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
