"""Common base for every record Luister puts on a topic."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """A frozen record. Unknown fields are ignored so that additive schema
    changes by a newer producer never break an older reader."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)

    def to_bytes(self) -> bytes:
        """The record as compact UTF-8 JSON, the wire format of every topic."""
        return self.model_dump_json(exclude_none=False).encode("utf-8")
