"""Two thin client adapters, one per engine. They take the shared bodies from
bodies.py and differ only in how each official client spells the call.

Untested against a live Elasticsearch here (none can run on these machines):
the ElasticsearchAdapter methods below. They are kept to one line each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from pipeline.settings import SearchSettings


class SearchUnavailable(Exception):
    """Raised by an adapter when the engine cannot take the request now
    (connection refused or timed out, 429, 5xx). Callers retry with back-off;
    any other client error is a bug or a bad request and propagates as is."""


class LifecycleUnsupported(Exception):
    """The engine has no lifecycle management (an OpenSearch without the ISM plugin, e.g. the local
    node): retention then needs `luister es prune` on a schedule."""


class BadQuery(Exception):
    """The engine refused a search request (HTTP 400): the query is wrong, not the engine."""


def _transient(status: object) -> bool:
    return isinstance(status, int) and (status == 429 or status >= 500)


class SearchClient(Protocol):
    """What the search layer needs from a client; both adapters provide exactly this."""

    engine: str  # "opensearch" or "elasticsearch": which lifecycle API (ISM or ILM) it speaks

    def ping(self) -> bool: ...
    def put_component_template(self, name: str, body: dict[str, Any]) -> None: ...
    def put_index_template(self, name: str, body: dict[str, Any]) -> None: ...
    def put_lifecycle(self, name: str, body: dict[str, Any]) -> None: ...
    def create_index(self, index: str) -> None: ...
    def put_mapping(self, pattern: str, body: dict[str, Any]) -> None: ...
    def indices(self, pattern: str) -> list[str]: ...
    def bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]: ...
    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def count(self, index: str, body: dict[str, Any] | None = None) -> int: ...
    def refresh(self, index: str) -> None: ...
    def delete_by_query(self, index: str, body: dict[str, Any]) -> int: ...
    def delete_index(self, index: str) -> None: ...
    def close(self) -> None: ...


@contextmanager
def _opensearch_unavailable() -> Iterator[None]:
    """opensearch-py's connection errors and 429/5xx answers as SearchUnavailable; anything else as is."""
    from opensearchpy.exceptions import ConnectionError, TransportError

    try:
        yield
    except ConnectionError as exc:  # includes ConnectionTimeout
        raise SearchUnavailable(f"{type(exc).__name__}: {exc}") from exc
    except TransportError as exc:
        if _transient(exc.status_code):
            raise SearchUnavailable(f"HTTP {exc.status_code}: {exc.error}") from exc
        raise


@contextmanager
def _elasticsearch_unavailable() -> Iterator[None]:
    """The elasticsearch client's connection errors and 429/5xx answers as SearchUnavailable."""
    from elasticsearch import ApiError, TransportError

    try:
        yield
    except ApiError as exc:
        if _transient(exc.meta.status):
            raise SearchUnavailable(f"HTTP {exc.meta.status}: {exc.message}") from exc
        raise
    except TransportError as exc:  # connection refused, timeouts
        raise SearchUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _auth(settings: SearchSettings) -> dict[str, Any]:
    if settings.username and settings.password:
        return {"http_auth": (settings.username, settings.password.get_secret_value())}
    return {}


def _root_cause(info: object) -> str:
    """The first root-cause reason of an engine error body, for a person to read."""
    try:
        cause = info["error"]["root_cause"][0]  # type: ignore[index]
        return f"{cause['type']}: {cause['reason']}"
    except (KeyError, IndexError, TypeError):
        return ""


class OpenSearchAdapter:
    """opensearch-py, for OpenSearch 2.x."""

    engine = "opensearch"

    def __init__(self, settings: SearchSettings) -> None:
        from opensearchpy import OpenSearch

        self._c = OpenSearch(
            hosts=[settings.url],
            verify_certs=settings.verify_certs,
            timeout=settings.request_timeout_s,
            max_retries=0,  # retries are the indexer's job: it backs off without limit
            **_auth(settings),
        )

    def ping(self) -> bool:
        return bool(self._c.ping())

    def put_component_template(self, name: str, body: dict[str, Any]) -> None:
        self._c.cluster.put_component_template(name=name, body=body)

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self._c.indices.put_index_template(name=name, body=body)

    def put_lifecycle(self, name: str, body: dict[str, Any]) -> None:
        """Create or replace an ISM policy (a replacement must name the version it replaces)."""
        from opensearchpy.exceptions import NotFoundError, RequestError

        path = f"/_plugins/_ism/policies/{name}"
        try:
            current = self._c.transport.perform_request("GET", path)
        except NotFoundError:
            current = None
        except RequestError as exc:  # 400 "no handler found for uri": the ISM plugin is not installed
            raise LifecycleUnsupported(f"OpenSearch without the ISM plugin ({exc.error})") from exc
        version = {} if current is None else {"if_seq_no": current["_seq_no"],
                                               "if_primary_term": current["_primary_term"]}
        self._c.transport.perform_request("PUT", path, body=body, params=version)

    def create_index(self, index: str) -> None:
        if not self._c.indices.exists(index=index):
            self._c.indices.create(index=index)

    def put_mapping(self, pattern: str, body: dict[str, Any]) -> None:
        self._c.indices.put_mapping(index=pattern, body=body, allow_no_indices=True)

    def indices(self, pattern: str) -> list[str]:
        return sorted(self._c.indices.get(index=pattern, allow_no_indices=True, ignore_unavailable=True))

    def bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        with _opensearch_unavailable():
            return self._c.bulk(body=operations)

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        from opensearchpy.exceptions import RequestError

        with _opensearch_unavailable():
            try:
                return self._c.search(index=index, body=body)
            except RequestError as exc:
                raise BadQuery(_root_cause(exc.info) or str(exc.error)) from exc

    def count(self, index: str, body: dict[str, Any] | None = None) -> int:
        return int(self._c.count(index=index, body=body)["count"])

    def refresh(self, index: str) -> None:
        self._c.indices.refresh(index=index)

    def delete_by_query(self, index: str, body: dict[str, Any]) -> int:
        return int(self._c.delete_by_query(index=index, body=body, refresh=True)["deleted"])

    def delete_index(self, index: str) -> None:
        self._c.indices.delete(index=index, ignore_unavailable=True)

    def close(self) -> None:
        self._c.close()


class ElasticsearchAdapter:
    """The official elasticsearch client 8.x, for Elasticsearch 8 (its product check refuses OpenSearch)."""

    engine = "elasticsearch"

    def __init__(self, settings: SearchSettings) -> None:
        from elasticsearch import Elasticsearch

        auth: dict[str, Any] = {}
        if settings.api_key:
            auth["api_key"] = settings.api_key.get_secret_value()
        elif settings.username and settings.password:
            auth["basic_auth"] = (settings.username, settings.password.get_secret_value())
        self._c = Elasticsearch(
            settings.url,
            verify_certs=settings.verify_certs,
            request_timeout=settings.request_timeout_s,
            max_retries=0,  # retries are the indexer's job: it backs off without limit
            **auth,
        )

    def ping(self) -> bool:
        return bool(self._c.ping())

    def put_component_template(self, name: str, body: dict[str, Any]) -> None:
        self._c.cluster.put_component_template(name=name, body=body)

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self._c.indices.put_index_template(name=name, body=body)

    def put_lifecycle(self, name: str, body: dict[str, Any]) -> None:
        """Create or replace an ILM policy."""
        self._c.ilm.put_lifecycle(name=name, body=body)

    def create_index(self, index: str) -> None:
        if not self._c.indices.exists(index=index):
            self._c.indices.create(index=index)

    def put_mapping(self, pattern: str, body: dict[str, Any]) -> None:
        self._c.indices.put_mapping(index=pattern, body=body, allow_no_indices=True)

    def indices(self, pattern: str) -> list[str]:
        return sorted(self._c.indices.get(index=pattern, allow_no_indices=True, ignore_unavailable=True))

    def bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        with _elasticsearch_unavailable():
            return dict(self._c.bulk(operations=operations))

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        from elasticsearch import BadRequestError

        with _elasticsearch_unavailable():
            try:
                return dict(self._c.search(index=index, **body))
            except BadRequestError as exc:
                raise BadQuery(_root_cause(exc.body) or exc.message) from exc

    def count(self, index: str, body: dict[str, Any] | None = None) -> int:
        return int(self._c.count(index=index, **(body or {}))["count"])

    def refresh(self, index: str) -> None:
        self._c.indices.refresh(index=index)

    def delete_by_query(self, index: str, body: dict[str, Any]) -> int:
        return int(self._c.delete_by_query(index=index, refresh=True, **body)["deleted"])

    def delete_index(self, index: str) -> None:
        self._c.indices.delete(index=index, ignore_unavailable=True)

    def close(self) -> None:
        self._c.close()


ADAPTERS: dict[str, type[OpenSearchAdapter] | type[ElasticsearchAdapter]] = {
    "opensearch": OpenSearchAdapter,
    "elasticsearch": ElasticsearchAdapter,
}


def connect(settings: SearchSettings) -> SearchClient:
    """A client for the engine named in settings."""
    return ADAPTERS[settings.engine](settings)
