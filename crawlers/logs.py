"""Logging for source commands: structlog to stderr, keeping stdout for summaries."""

from __future__ import annotations

import logging
import sys

import structlog

from pipeline.settings import Settings


def log_to_stderr(settings: Settings) -> None:
    """Unless an entry point configured structlog already, log to stderr at settings.log_level.

    stderr is looked up at each log call, not now, so a replaced sys.stderr (pytest's
    capture, a daemon's log file) is honoured.
    """
    if not structlog.is_configured():
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(settings.log_level.upper())),
            logger_factory=lambda *_args: structlog.PrintLogger(sys.stderr),
        )
