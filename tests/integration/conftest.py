"""Fixtures for tests against the real local stack (Kafka + OpenSearch, see pipeline/stack.py).

The stack is started once per session when it is not already healthy and is left running
afterwards (the next session starts in a second). If it cannot be started the tests FAIL
with the reason: an integration suite that skips proves nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from pipeline import stack as local_stack
from pipeline.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The settings every integration test starts from (copy before changing them)."""
    return Settings()


@pytest.fixture(scope="session")
def stack(settings: Settings) -> local_stack.StackStatus:
    """The local stack, healthy. Fails the requesting test when it cannot be started."""
    try:
        return local_stack.up(settings, log=lambda line: print(f"[stack] {line}"))
    except local_stack.StackError as exc:
        pytest.fail(f"the local stack could not be started: {exc}", pytrace=False)


def unique_name(name: str = "t") -> str:
    """``name`` plus a random suffix, e.g. 'smoke-3f9a1c2b7d4e': a topic, group or index name
    no other test (or earlier run) uses. Lower-case ``name`` keeps it a valid index name."""
    return f"{name}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def unique() -> Callable[[str], str]:
    """``unique("posts")`` -> 'posts-<12 hex>' (see ``unique_name``)."""
    return unique_name
