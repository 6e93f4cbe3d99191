"""Monitors: what a customer watches, loaded from YAML and validated up front.

A monitor names a brand, its Lucene query, the brand's own accounts and its
competitors (each with a query). Every query is compiled (relevance/query.py)
when the file is loaded, so a typo or syntax the matchers do not support
fails at start-up with the file, the monitor and the field in the message,
never later while matching.
"""

from __future__ import annotations

from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from processors.alerts import Rule
from processors.relevance.query import compile_query

_SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class MonitorError(ValueError):
    """Raised by load_monitors: the monitors file is unusable; the message names where and why."""


def _check_query(query: str) -> str:
    compile_query(query)  # raises ValueError naming the part that cannot be matched
    return query


class Competitor(BaseModel):
    """A competitor a monitor compares the brand with (share of voice)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(..., pattern=_SLUG, description="Lower-case slug, unique within the file.")
    name: str = Field(..., min_length=1, description="Name shown to people.")
    query: str = Field(..., description="Lucene query for posts about the competitor.")

    _query = field_validator("query")(_check_query)


class Monitor(BaseModel):
    """One brand a customer watches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(..., pattern=_SLUG, description="Lower-case slug, unique within the file.")
    name: str = Field(..., min_length=1, description="Name shown to people.")
    query: str = Field(..., description="Lucene query for posts about the brand.")
    owned_accounts: list[str] = Field(
        default_factory=list, description="The brand's own account handles, without '@' (lower-cased)."
    )
    competitors: list[Competitor] = Field(default_factory=list, description="Competitors with their queries.")
    unmatched: Literal["drop", "keep"] = Field(
        "drop", description="What happens to posts that match no monitor: dropped (counted) or kept."
    )
    rules: list[Rule] = Field(
        default_factory=list,
        description="Alert rules (processors/alerts/: match, volume_spike, negative_spike, influencer, "
        "unanswered); validated at load, run on every post of the monitor by the alerts worker.",
    )

    _query = field_validator("query")(_check_query)

    @field_validator("rules")
    @classmethod
    def _unique_rule_ids(cls, rules: list[Rule]) -> list[Rule]:
        ids = [rule.id for rule in rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"rule ids must be unique within a monitor: {', '.join(twice)} used twice")
        return rules

    @field_validator("owned_accounts")
    @classmethod
    def _handles(cls, accounts: list[str]) -> list[str]:
        return [a.lstrip("@").lower() for a in accounts]


class MonitorFile(BaseModel):
    """The whole monitors file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    monitors: list[Monitor] = Field(..., min_length=1, description="The monitors, at least one.")

    @model_validator(mode="after")
    def _unique_ids(self) -> MonitorFile:
        seen: set[str] = set()
        for monitor in self.monitors:
            for ident in [monitor.id, *(c.id for c in monitor.competitors)]:
                if ident in seen:
                    raise ValueError(f"id {ident!r} is used twice; monitor and competitor ids must be unique")
                seen.add(ident)
        return self


def load_monitors(text: str, origin: str) -> list[Monitor]:
    """Parse and validate a monitors YAML document. ``origin`` (a file name) is used in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MonitorError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        return list(MonitorFile.model_validate(data).monitors)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            problems.append(f"{_where(data, err['loc'])}: {err['msg']}")
        raise MonitorError(f"{origin}: " + "; ".join(problems)) from exc


def _where(data: object, loc: tuple) -> str:
    """"monitor 'golf', query" rather than "monitors.2.query"."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(node, list) and isinstance(step, int):
            node = node[step] if step < len(node) else None
            ident = node.get("id") if isinstance(node, dict) else None
            noun = parts.pop().rstrip("s") if parts else "item"  # 'monitors' -> 'monitor'
            parts.append(f"{noun} {ident!r}" if ident else f"{noun} #{step + 1}")
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(str(step))
    return ", ".join(parts) or "(file)"
