"""`luister api`: search, reports and monitors over HTTP, for dashboards and other tools.

A thin FastAPI shell over what the command line already does: the same filters as
`luister search` (``PostFilter``, ``parse_when``), the same report as `luister report`
(``build_report``). ``create_app`` builds one search client and reads the monitors file once;
nothing is created at import. Endpoints are plain functions (FastAPI runs them on its thread
pool, so the synchronous search client never blocks the event loop).

Paging is by cursor, not by offset: a page asks the engine for the posts *after* the last
one of the previous page in the fixed sort (``search_after``). Unlike ``from``/``size``, a
deep page costs what the first page costs and never reaches the engine's result window
(``index.max_result_window``, 10,000 by default). The sort (published_at desc, post_id asc)
is total because post_id is unique, so no post is skipped or repeated between pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Response as HttpResponse
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pipeline.reports import Window, build_report
from pipeline.search import BadQuery, SearchClient, SearchUnavailable, connect, posts_index
from pipeline.search.bodies import query_body
from pipeline.search.filters import PRIORITIES, PostFilter, parse_when
from pipeline.settings import Settings
from processors.relevance.monitors import Monitor, load_monitors
from schemas import INTENTS, SENTIMENTS, EnrichedPost

# Most hits per page: a page of social posts is some tens of kilobytes; even 100 news articles at
# the 50,000-character text limit stay near 5 MB.
MAX_PAGE = 100
# One report covers at most a (leap) year: its per-day buckets, each with up to 50 channel and 5
# sentiment buckets, then stay far below the engine's search.max_buckets (65,535): 366 * 56 = 20,496.
MAX_REPORT_DAYS = 366

_WHEN = "30m, 24h, 7d or 2w back from now, or an ISO date or date-time (without a zone: Dutch local time)"


# -- response models: what the OpenAPI document shows -------------------------------------------------------------


class Health(BaseModel):
    """Whether the API can reach its search engine."""

    status: Literal["ok", "unavailable"] = Field(..., description="'ok' when the engine answered a ping.")
    engine: str = Field(..., description="The configured engine: 'opensearch' or 'elasticsearch'.")
    index: str = Field(..., description="The read alias searches and reports use.")


class MonitorSummary(BaseModel):
    """One monitor of the monitors file."""

    id: str = Field(..., description="The monitor's id: the `monitor` of /search and /reports/{monitor}.")
    name: str = Field(..., description="Name shown to people.")


class Hit(EnrichedPost):
    """One post as indexed, with the engine's highlight of the query in its text."""

    highlight: list[str] = Field(
        default_factory=list, description="Fragments of the text around the query's terms, marked with <em>.")


class SearchPage(BaseModel):
    """One page of a search, newest first."""

    total: int = Field(..., description="How many posts match in all (not only on this page).")
    hits: list[Hit] = Field(..., description="At most `size` posts: published_at descending, then post_id.")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` (with the same query and filters) for the next page; null on the last.")


class DayFigures(BaseModel):
    """Mentions of one calendar day (Europe/Amsterdam)."""

    channel: dict[str, int] = Field(..., description="Mentions per channel.")
    sentiment: dict[str, int] = Field(..., description="Mentions per sentiment label (unclassified posts left out).")


class ResponseFigures(BaseModel):
    """Webcare response to the customer posts addressed to the brand's own accounts."""

    addressed: int = Field(..., description="Posts addressed to one of the brand's accounts.")
    answered: int = Field(..., description="Of those, how many one of the brand's accounts replied to.")
    answered_share: float | None = Field(..., description="answered / addressed; null when nothing was addressed.")
    within_sla: int = Field(..., description="Answered within the service level.")
    within_sla_share: float | None = Field(..., description="within_sla / addressed; null when nothing was addressed.")
    sla_minutes: float = Field(..., description="The service level: minutes to a first reply.")
    median_minutes: float | None = Field(..., description="Median minutes to the first reply; null when none.")
    p90_minutes: float | None = Field(..., description="90th percentile (nearest rank); null when none.")
    truncated: bool = Field(..., description="True when more posts were addressed than one request reads.")


class MonitorReport(BaseModel):
    """The webcare KPIs of one monitor over a window (see pipeline/reports/kpis.py for what counts)."""

    monitor: str = Field(..., description="The monitor's id.")
    name: str = Field(..., description="The monitor's name.")
    since: str = Field(..., description="Start of the window, inclusive (ISO 8601).")
    until: str = Field(..., description="End of the window, exclusive (ISO 8601).")
    mentions: int = Field(..., description="The monitor's posts in the window not written by its own accounts.")
    per_day: dict[str, DayFigures] = Field(..., description="Every day of the window (YYYY-MM-DD), empty ones too.")
    channels: dict[str, int] = Field(..., description="Mentions per channel.")
    sentiment: dict[str, int] = Field(..., description="Mentions per sentiment label.")
    intent: dict[str, int] = Field(..., description="Mentions per intent label.")
    proactive: int = Field(..., description="Mentions that do not reach the brand's accounts.")
    proactive_posts: list[dict[str, Any]] = Field(..., description="The newest proactive posts (a few fields each).")
    top_authors: list[tuple[str, int]] = Field(..., description="[handle, mentions], most first.")
    most_engaged: list[dict[str, Any]] = Field(..., description="Posts with the most likes + replies + shares.")
    negative_topics: list[tuple[str, int]] = Field(..., description="[term, posts]: terms that recur in negative "
                                                                     "mentions.")
    share_of_voice: dict[str, int] = Field(..., description="Mentions of the brand and posts of each competitor.")
    response: ResponseFigures = Field(..., description="Webcare response times.")


class Problem(BaseModel):
    """An error a client can act on."""

    detail: str = Field(..., description="What was wrong, for a person to read.")


# -- cursors --------------------------------------------------------------------------------------------------------


def encode_cursor(sort_values: Sequence[int | str]) -> str:
    """The opaque cursor for the page after a hit: its sort values (epoch milliseconds, post_id)
    as URL-safe base64 of JSON, without padding."""
    raw = json.dumps(list(sort_values), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> list[int | str]:
    """The sort values an ``encode_cursor`` cursor carries. Raises ValueError for anything else."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a cursor from this API; take next_cursor from the previous page") from None
    if not (isinstance(values, list) and len(values) == 2 and type(values[0]) is int
            and isinstance(values[1], str)):
        raise ValueError("not a cursor from this API; take next_cursor from the previous page")
    return values


def search_page(client: SearchClient, index: str, query: str, post_filter: PostFilter, *, size: int,
                after: list[int | str] | None) -> SearchPage:
    """One page of posts after ``after`` (the sort values of the previous page's last hit).

    Asks for one hit more than ``size``: when it comes, there is a next page, so ``next_cursor``
    is null exactly on the last page. Raises BadQuery when the engine refuses the query.
    """
    body = query_body(query, size=size + 1, filters=post_filter.clauses())
    if after is not None:
        body["search_after"] = after
    response = client.search(index, body)
    found = response["hits"]["hits"]
    page = found[:size]
    return SearchPage(
        total=int(response["hits"]["total"]["value"]),
        hits=[Hit(**hit["_source"], highlight=hit.get("highlight", {}).get("text", [])) for hit in page],
        next_cursor=encode_cursor(page[-1]["sort"]) if len(found) > size else None,
    )


# -- the app ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiContext:
    """What every request needs, built once by ``create_app``."""

    client: SearchClient
    engine: str
    index: str
    monitors: dict[str, Monitor]


def create_app(settings: Settings) -> FastAPI:
    """The API for these settings: one search client, the monitors of ``settings.relevance.monitors_file``.

    Raises OSError or processors.relevance.monitors.MonitorError when the monitors file cannot be
    read, so a broken file stops the server at start, not at the first report.
    """
    path = settings.relevance.monitors_file
    monitors = {m.id: m for m in load_monitors(path.read_text(encoding="utf-8"), str(path))}
    client = connect(settings.search)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        client.close()

    app = FastAPI(
        title="Luister API",
        version=version("luister"),
        description="Search the indexed posts and read a monitor's webcare report. The same filters and "
                    "figures as `luister search` and `luister report`. Times without a zone are Dutch local time.",
        lifespan=lifespan,
    )
    app.state.context = ApiContext(client=client, engine=settings.search.engine,
                                   index=posts_index(settings.search.index_prefix), monitors=monitors)
    app.include_router(router)
    app.add_exception_handler(SearchUnavailable, _unavailable)
    return app


def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    """The engine is down or overloaded: 503, so clients and load balancers retry later."""
    return JSONResponse(status_code=503, content={"detail": f"the search engine is unavailable: {exc}"})


def _context(request: Request) -> ApiContext:
    return request.app.state.context


Context = Annotated[ApiContext, Depends(_context)]
router = APIRouter()


def _invalid(message: str, *location: str) -> RequestValidationError:
    """A 422 in the shape FastAPI gives its own validation errors, so clients read one format."""
    return RequestValidationError([{"type": "value_error", "loc": ("query", *location), "msg": message}])


def _when(text: str, name: str, now: datetime) -> datetime:
    try:
        return parse_when(text, now)
    except ValueError as exc:
        raise _invalid(str(exc), name) from None


def _repeatable(help_text: str) -> Any:
    return Query(description=f"{help_text}. Repeat for any of several.")


@router.get("/health", response_model=Health, tags=["service"], summary="Is the search engine reachable",
            responses={503: {"model": Health, "description": "The search engine did not answer."}})
def health(context: Context, response: HttpResponse) -> Health:
    """200 when the search engine answers a ping, else 503 (a load balancer takes the API out)."""
    reachable = context.client.ping()
    if not reachable:
        response.status_code = 503
    return Health(status="ok" if reachable else "unavailable", engine=context.engine, index=context.index)


@router.get("/monitors", response_model=list[MonitorSummary], tags=["monitors"], summary="The monitors")
def monitors(context: Context) -> list[MonitorSummary]:
    """Every monitor of the monitors file, in file order."""
    return [MonitorSummary(id=m.id, name=m.name) for m in context.monitors.values()]


@router.get("/search", response_model=SearchPage, tags=["search"], summary="Search posts, newest first",
            responses={400: {"model": Problem, "description": "The search engine refused the query."},
                       503: {"model": Problem, "description": "The search engine is unavailable."}})
def search(
    context: Context,
    q: Annotated[str, Query(description="Lucene query syntax over title and text, e.g. 'storing AND "
                                        "channel:x'; '*' for all posts.")] = "*",
    monitor: Annotated[list[str], _repeatable("Only posts of this monitor")] = [],
    since: Annotated[str | None, Query(description=f"Published at or after: {_WHEN}.")] = None,
    until: Annotated[str | None, Query(description=f"Published before: {_WHEN}.")] = None,
    sentiment: Annotated[list[str], _repeatable(f"Sentiment: {', '.join(SENTIMENTS)}")] = [],
    intent: Annotated[list[str], _repeatable(f"Intent: {', '.join(INTENTS)}")] = [],
    source: Annotated[list[str], _repeatable("Only posts from this source, e.g. x")] = [],
    channel: Annotated[list[str], _repeatable("Only posts in this channel, e.g. review")] = [],
    priority: Annotated[list[str], _repeatable(f"Priority: {', '.join(PRIORITIES)}")] = [],
    lang: Annotated[list[str], _repeatable("Only posts in this language, e.g. nl")] = [],
    size: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Posts per page.")] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
) -> SearchPage:
    """Posts matching the query and every filter: the values of one filter are alternatives, different
    filters all apply. Page with `cursor`; a page never holds more than `size` posts."""
    now = datetime.now(UTC)
    try:
        post_filter = PostFilter(
            monitors=tuple(monitor), sources=tuple(source), channels=tuple(channel), sentiments=tuple(sentiment),
            intents=tuple(intent), priorities=tuple(priority), langs=tuple(lang),
            since=_when(since, "since", now) if since else None,
            until=_when(until, "until", now) if until else None)
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    try:
        after = decode_cursor(cursor) if cursor is not None else None
    except ValueError as exc:
        raise _invalid(str(exc), "cursor") from None
    try:
        return search_page(context.client, context.index, q, post_filter, size=size, after=after)
    except BadQuery as exc:
        raise HTTPException(400, f"the search engine refused the query {q!r}: {exc}") from None


@router.get("/reports/{monitor}", response_model=MonitorReport, tags=["reports"],
            summary="A monitor's webcare report",
            responses={404: {"model": Problem, "description": "No such monitor; the message lists the known ones."}})
def report(
    context: Context,
    monitor: str,
    since: Annotated[str, Query(description=f"Start of the window: {_WHEN}.")] = "30d",
    until: Annotated[str | None, Query(description="End of the window (exclusive); default now.")] = None,
    sla: Annotated[float, Query(ge=1, description="Service level: minutes to a first reply.")] = 60,
) -> MonitorReport:
    """Mentions per day and channel, sentiment, intents, proactive chances, share of voice, top authors,
    most-engaged posts, negative topics and response times, over at most 366 days."""
    if monitor not in context.monitors:
        raise HTTPException(404, f"no monitor {monitor!r}; there are: {', '.join(context.monitors)}")
    now = datetime.now(UTC)
    start, end = _when(since, "since", now), _when(until, "until", now) if until else now
    if start >= end:
        raise _invalid("since must be before until", "since")
    if end - start > timedelta(days=MAX_REPORT_DAYS):
        raise _invalid(f"a report covers at most {MAX_REPORT_DAYS} days; ask for several", "since")
    result = build_report(context.client, context.index, context.monitors[monitor], Window(start, end),
                          sla=timedelta(minutes=sla))
    return MonitorReport.model_validate(result.as_dict())
