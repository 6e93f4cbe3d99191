"""The one result type of every processor: keep the record, drop it for a
counted reason, or fail it with an error that sends it to the dead-letter topic.

Errors are values, not exceptions: a processor raises only for bugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from schemas import DeadReason

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Keep(Generic[T]):
    """The record goes on to the next stage."""

    record: T


@dataclass(frozen=True, slots=True)
class Drop:
    """The record is deliberately not passed on (e.g. 'duplicate', 'irrelevant')."""

    reason: str


@dataclass(frozen=True, slots=True)
class Fail:
    """The record cannot be processed; it goes to the dead-letter topic with this reason."""

    reason: DeadReason
    error: str


Outcome = Keep[T] | Drop | Fail
