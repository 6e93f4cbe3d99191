"""Luister's dashboards for Kibana and OpenSearch Dashboards, from one definition.

``DASHBOARDS`` below says what analysts see: panels (chart type, what is counted, how posts
are bucketed) grouped into dashboards. Everything else is generated from it:

- ``saved_objects(flavour)``: the saved objects to import, as NDJSON lines, for Kibana 8 and for
  OpenSearch Dashboards 2 (deploy/kibana/luister.ndjson, deploy/opensearch-dashboards/luister.ndjson,
  written by `luister kibana export`): a data view on the posts alias, legacy aggregation-based
  visualizations, a saved search and the dashboards;
- ``panel_body(panel)`` / ``search_body(search)``: the query DSL a panel sends to the engine, and
  ``panel_rows`` to read the answer back as rows, so tests prove on a real engine that every panel
  counts what it should.

Both products keep the legacy objects' own JSON in strings (``visState``, ``panelsJSON``,
``searchSourceJSON``) and link objects through ``references``; they differ in how a dashboard names
its panel references and in the version stamps that decide which of their migrations run on import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pipeline.reports.kpis import TIME_ZONE, Window
from pipeline.search.bodies import POSTS_MAPPINGS, posts_index
from pipeline.settings import SearchSettings

ChartType = Literal["line", "bar", "pie", "metric", "table"]
MetricKind = Literal["count", "avg", "sum"]

# Field types an engine aggregates on (doc values); text fields are for search and display only.
AGGREGATABLE = frozenset({"keyword", "date", "boolean", "long", "integer", "short", "byte", "float", "double"})
# Kibana's default `discover:sampleSize`: the rows a saved search panel shows.
SEARCH_SIZE = 500
GRID_COLUMNS = 48  # both products lay dashboards out on a 48-column grid


class Flavour(StrEnum):
    kibana = "kibana"
    opensearch_dashboards = "opensearch-dashboards"


# -- the spec --------------------------------------------------------------------------------------------------------


def field_type(path: str) -> str | None:
    """The mapping type of a dotted field path in the posts index (``author.handle`` -> 'keyword'), or None."""
    node: dict[str, Any] = POSTS_MAPPINGS
    for part in path.split("."):
        node = node.get("properties", {}).get(part)
        if node is None:
            return None
    return node.get("type")


def _require_field(path: str, *, aggregated: bool) -> None:
    kind = field_type(path)
    if kind is None:
        raise ValueError(f"{path!r} is not a field of the posts index (pipeline/search/bodies.py POSTS_MAPPINGS)")
    if aggregated and kind not in AGGREGATABLE:
        raise ValueError(f"{path!r} is a {kind} field: the engine cannot aggregate on it")


@dataclass(frozen=True)
class Match:
    """One condition, ``field`` equals ``value``: KQL in the saved objects, a term query in the DSL."""

    field: str
    value: str | bool

    def __post_init__(self) -> None:
        _require_field(self.field, aggregated=True)

    def kql(self) -> str:
        if isinstance(self.value, bool):
            return f"{self.field} : {str(self.value).lower()}"
        quoted = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.field} : "{quoted}"'

    def dsl(self) -> dict[str, Any]:
        return {"term": {self.field: self.value}}


# What every panel counts unless it says otherwise: the mentions, i.e. not the brand's own posts
# (``owned``, set by enrich), the same as `luister report` counts.
MENTIONS = (Match("owned", False),)


def _kql(matches: tuple[Match, ...]) -> str:
    return " and ".join(m.kql() for m in matches)


@dataclass(frozen=True)
class Metric:
    """What a panel shows per bucket: the number of posts, or the average or sum of a numeric field."""

    kind: MetricKind = "count"
    field: str | None = None
    label: str = "Posts"

    def __post_init__(self) -> None:
        if (self.kind == "count") != (self.field is None):
            raise ValueError("a count takes no field; avg and sum need one")
        if self.field:
            _require_field(self.field, aggregated=True)


@dataclass(frozen=True)
class DateHistogram:
    """Posts per calendar day in Dutch time (the days of `luister report`)."""

    field: str = "published_at"
    label: str = "Day"


@dataclass(frozen=True)
class Terms:
    """The ``size`` values of a keyword field with the most posts."""

    field: str
    size: int
    label: str


@dataclass(frozen=True)
class Filters:
    """One bucket per named condition."""

    filters: tuple[tuple[str, Match], ...]  # (label, condition)
    label: str = "Filter"


Bucket = DateHistogram | Terms | Filters


@dataclass(frozen=True)
class Panel:
    """One visualization: ``metrics`` per combination of ``buckets`` (outermost first), over the posts
    that match ``query`` (by default the mentions). Its width and height are in grid units (48 columns make
    a row)."""

    id: str
    title: str
    chart: ChartType
    buckets: tuple[Bucket, ...] = ()
    metrics: tuple[Metric, ...] = (Metric(),)
    query: tuple[Match, ...] = MENTIONS
    width: int = 24
    height: int = 15

    def __post_init__(self) -> None:
        for bucket in self.buckets:
            if isinstance(bucket, (DateHistogram, Terms)):
                _require_field(bucket.field, aggregated=True)
        if any(isinstance(b, Terms) for b in self.buckets) and self.metrics[0].kind != "count":
            # the legacy editors order terms by the first metric; we only ever order by post count
            raise ValueError(f"{self.id}: terms are ordered by the first metric, which must be the count")


@dataclass(frozen=True)
class SavedSearch:
    """A Discover search shown as a panel: the posts matching ``query``, sorted by ``sort``."""

    id: str
    title: str
    query: tuple[Match, ...]
    columns: tuple[str, ...]
    sort: tuple[tuple[str, Literal["asc", "desc"]], ...]
    width: int = GRID_COLUMNS
    height: int = 20

    def __post_init__(self) -> None:
        for column in self.columns:
            _require_field(column, aggregated=False)
        for name, _ in self.sort:
            _require_field(name, aggregated=True)


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    description: str
    panels: tuple[Panel | SavedSearch, ...]


# -- the definition --------------------------------------------------------------------------------------------------

_DAY = DateHistogram()
_CHANNEL = Terms("channel", 20, "Channel")  # every Channel value fits: none falls into "other"
_SENTIMENT = Terms("sentiment.label", 3, "Sentiment")
_INTENT = Terms("intent.label", 4, "Intent")

NEGATIVE_COMPLAINTS = SavedSearch(
    id="luister-negative-complaints",
    title="Negative complaints, newest first",
    query=(*MENTIONS, Match("sentiment.label", "negative"), Match("intent.label", "complaint")),
    columns=("channel", "author.handle", "priority", "monitors", "text"),
    sort=(("published_at", "desc"), ("post_id", "asc")),
)

DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard(
        id="luister-overview",
        title="Luister — overview",
        description="Volume, sentiment, intents, share of voice and top authors of the monitors' mentions "
                    "(the brands' own posts left out).",
        panels=(
            Panel("luister-proactive", "Proactive webcare chances", "metric",
                  buckets=(Filters((("Proactive", Match("proactive", True)),)),), height=8),
            Panel("luister-priority-high", "High priority posts", "metric",
                  buckets=(Filters((("High priority", Match("priority", "high")),)),), height=8),
            Panel("luister-volume", "Volume per day by channel", "line", buckets=(_DAY, _CHANNEL),
                  width=GRID_COLUMNS),
            Panel("luister-sentiment", "Sentiment over time", "bar", buckets=(_DAY, _SENTIMENT)),
            Panel("luister-intents", "Intents", "pie", buckets=(_INTENT,)),
            Panel("luister-voice-monitors", "Share of voice: monitors", "pie",
                  buckets=(Terms("monitors", 10, "Monitor"),)),
            Panel("luister-voice-competitors", "Share of voice: competitors", "pie",
                  buckets=(Terms("competitors", 10, "Competitor"),)),
            Panel("luister-top-authors", "Top authors", "table", buckets=(Terms("author.handle", 10, "Author"),),
                  metrics=(Metric(), Metric("sum", "engagement.likes", "Likes"),
                           Metric("avg", "author.followers", "Followers")),
                  width=GRID_COLUMNS),
        ),
    ),
    Dashboard(
        id="luister-webcare-inbox",
        title="Luister — webcare inbox",
        description="What waits for an answer: negative complaints newest first, priorities, intents per channel.",
        panels=(
            Panel("luister-priorities", "Posts per priority", "metric",
                  buckets=(Terms("priority", 3, "Priority"),), height=8, width=GRID_COLUMNS),
            Panel("luister-intents-per-channel", "Intents per channel", "bar", buckets=(_CHANNEL, _INTENT),
                  width=GRID_COLUMNS),
            NEGATIVE_COMPLAINTS,
        ),
    ),
)


def panels() -> list[Panel | SavedSearch]:
    """Every visualization and saved search, each once (dashboards may share one), in dashboard order."""
    seen: dict[str, Panel | SavedSearch] = {}
    for dashboard in DASHBOARDS:
        for panel in dashboard.panels:
            if seen.setdefault(panel.id, panel) != panel:
                raise ValueError(f"two different panels have the id {panel.id!r}")
    return list(seen.values())


# -- the query DSL each panel runs -----------------------------------------------------------------------------------


def _agg_ids(panel: Panel) -> tuple[list[str], list[str]]:
    """Aggregation ids as the legacy editors number them: metrics first, then buckets."""
    metric_ids = [str(i) for i in range(1, len(panel.metrics) + 1)]
    bucket_ids = [str(i) for i in range(len(panel.metrics) + 1, len(panel.metrics) + 1 + len(panel.buckets))]
    return metric_ids, bucket_ids


def _bucket_dsl(bucket: Bucket) -> dict[str, Any]:
    if isinstance(bucket, DateHistogram):
        # what Kibana sends for interval "d" with dateFormat:tz (or the browser) in Europe/Amsterdam
        return {"date_histogram": {"field": bucket.field, "calendar_interval": "1d", "time_zone": TIME_ZONE,
                                   "min_doc_count": 1}}
    if isinstance(bucket, Terms):
        return {"terms": {"field": bucket.field, "order": {"_count": "desc"}, "size": bucket.size}}
    return {"filters": {"filters": {label: {"bool": {"filter": [match.dsl()]}} for label, match in bucket.filters}}}


def _query(matches: tuple[Match, ...], window: Window | None) -> dict[str, Any]:
    clauses = [m.dsl() for m in matches] + ([window.range()] if window else [])
    return {"bool": {"filter": clauses}}


def panel_body(panel: Panel, window: Window | None = None) -> dict[str, Any]:
    """The search request a panel runs over the dashboard's time ``window``: bucket aggregations
    nested outermost first, the non-count metrics inside the innermost bucket."""
    metric_ids, bucket_ids = _agg_ids(panel)
    aggs: dict[str, Any] = {
        agg_id: {metric.kind: {"field": metric.field}}
        for agg_id, metric in zip(metric_ids, panel.metrics) if metric.kind != "count"
    }
    for agg_id, bucket in reversed(list(zip(bucket_ids, panel.buckets))):
        aggs = {agg_id: {**_bucket_dsl(bucket), **({"aggs": aggs} if aggs else {})}}
    body: dict[str, Any] = {"size": 0, "track_total_hits": True, "query": _query(panel.query, window)}
    return {**body, "aggs": aggs} if aggs else body


def search_body(search: SavedSearch, window: Window | None = None) -> dict[str, Any]:
    """The request behind a saved search panel: the newest matching posts, the columns it shows."""
    return {
        "size": SEARCH_SIZE, "track_total_hits": True, "query": _query(search.query, window),
        "sort": [{name: {"order": order}} for name, order in search.sort],
        "_source": {"includes": list(search.columns)},
    }


Row = tuple[str, ...]


def panel_rows(panel: Panel, response: dict[str, Any]) -> dict[Row, dict[str, float | None]]:
    """A panel's answer as a table, as the dashboards tabulate it: one row per combination of bucket
    keys (days as YYYY-MM-DD in Dutch time), with each metric's value under its label."""
    metric_ids, bucket_ids = _agg_ids(panel)

    def metrics(node: dict[str, Any], doc_count: int) -> dict[str, float | None]:
        return {m.label: doc_count if m.kind == "count" else node[agg_id]["value"]
                for agg_id, m in zip(metric_ids, panel.metrics)}

    def walk(node: dict[str, Any], doc_count: int, level: int, key: Row) -> dict[Row, dict[str, float | None]]:
        if level == len(panel.buckets):
            return {key: metrics(node, doc_count)}
        bucket, buckets = panel.buckets[level], node[bucket_ids[level]]["buckets"]
        named = buckets.items() if isinstance(buckets, dict) else ((_bucket_key(bucket, b), b) for b in buckets)
        rows: dict[Row, dict[str, float | None]] = {}
        for name, child in named:
            rows.update(walk(child, int(child["doc_count"]), level + 1, (*key, name)))
        return rows

    return walk(response.get("aggregations", {}), int(response["hits"]["total"]["value"]), 0, ())


def _bucket_key(bucket: Bucket, answer: dict[str, Any]) -> str:
    if isinstance(bucket, DateHistogram):
        return answer["key_as_string"][:10]  # local midnight, e.g. 2026-11-01T00:00:00.000+01:00
    return str(answer.get("key_as_string", answer["key"]))


# -- the saved objects -----------------------------------------------------------------------------------------------

INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"

# The version each object declares it is written for: on import a product runs only its migrations
# after that version, which bring the object up to date. Visualizations and the saved search are
# written in the legacy (7.10) shape both products share, so Kibana 8 upgrades them with its own
# 7.x -> 8 migrations; Kibana's dashboards in the shape it has used since 7.17 (panel types in
# panelsJSON, references prefixed with the panel index), its data view in 8.0's (with a name).
# Kibana reads `typeMigrationVersion` from 8.8 on; OpenSearch Dashboards 2 (a fork of Kibana
# 7.10.2) reads `migrationVersion`, and these are its latest versions of each type.
_KIBANA_VERSIONS = {"index-pattern": "8.0.0", "visualization": "7.10.0", "search": "7.9.3", "dashboard": "7.17.3"}
_KIBANA_CORE_VERSION = "8.8.0"  # ids and references are final: no 8.0 namespace conversion
_OSD_VERSIONS = {"index-pattern": "7.6.0", "visualization": "7.10.0", "search": "7.9.3", "dashboard": "7.9.3"}
_PANEL_VERSIONS = {Flavour.kibana: "8.8.0", Flavour.opensearch_dashboards: "2.0.0"}

_VIS_TYPES = {"line": "line", "bar": "histogram", "pie": "pie", "metric": "metric", "table": "table"}
# The role ("schema") of each bucket aggregation in a legacy editor: the first one and the rest.
_SCHEMAS = {"line": ("segment", "group"), "bar": ("segment", "group"), "pie": ("segment", "segment"),
            "metric": ("group", "group"), "table": ("bucket", "bucket")}


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _stamp(flavour: Flavour, obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj["type"]
    if flavour is Flavour.kibana:
        return {**obj, "coreMigrationVersion": _KIBANA_CORE_VERSION, "typeMigrationVersion": _KIBANA_VERSIONS[kind]}
    return {**obj, "migrationVersion": {kind: _OSD_VERSIONS[kind]}}


def _search_source(matches: tuple[Match, ...], *, with_index: bool = True) -> dict[str, Any]:
    source: dict[str, Any] = {"query": {"query": _kql(matches), "language": "kuery"}, "filter": []}
    if with_index:
        source["indexRefName"] = INDEX_REF
    return {"searchSourceJSON": _compact(source)}


def _metric_agg(agg_id: str, metric: Metric) -> dict[str, Any]:
    params: dict[str, Any] = {"customLabel": metric.label}
    if metric.field:
        params["field"] = metric.field
    return {"id": agg_id, "enabled": True, "type": metric.kind, "params": params, "schema": "metric"}


def _bucket_agg(agg_id: str, bucket: Bucket, schema: str, order_by: str) -> dict[str, Any]:
    if isinstance(bucket, DateHistogram):
        kind, params = "date_histogram", {
            "field": bucket.field, "useNormalizedEsInterval": True, "scaleMetricValues": False, "interval": "d",
            "drop_partials": False, "min_doc_count": 1, "extended_bounds": {}}
    elif isinstance(bucket, Terms):
        kind, params = "terms", {
            "field": bucket.field, "orderBy": order_by, "order": "desc", "size": bucket.size,
            "otherBucket": False, "otherBucketLabel": "Other", "missingBucket": False, "missingBucketLabel": "Missing"}
    else:
        kind, params = "filters", {"filters": [{"input": {"query": match.kql(), "language": "kuery"}, "label": label}
                                               for label, match in bucket.filters]}
    return {"id": agg_id, "enabled": True, "type": kind, "params": {**params, "customLabel": bucket.label},
            "schema": schema}


def vis_state(panel: Panel) -> dict[str, Any]:
    """The legacy ``visState`` of a panel (stored as a JSON string in the visualization object)."""
    metric_ids, bucket_ids = _agg_ids(panel)
    first, rest = _SCHEMAS[panel.chart]
    aggs = [_metric_agg(i, m) for i, m in zip(metric_ids, panel.metrics)]
    aggs += [_bucket_agg(i, b, first if n == 0 else rest, metric_ids[0])
             for n, (i, b) in enumerate(zip(bucket_ids, panel.buckets))]
    return {"title": panel.title, "type": _VIS_TYPES[panel.chart], "aggs": aggs, "params": _vis_params(panel)}


def _vis_params(panel: Panel) -> dict[str, Any]:
    """The editor options of each chart type, at the legacy editors' defaults."""
    if panel.chart == "pie":
        return {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": True,
                "labels": {"show": False, "values": True, "last_level": True, "truncate": 100}}
    if panel.chart == "metric":
        return {"type": "metric", "addTooltip": True, "addLegend": False, "metric": {
            "percentageMode": False, "useRanges": False, "colorSchema": "Green to Red", "metricColorMode": "None",
            "colorsRange": [{"from": 0, "to": 10000}], "labels": {"show": True}, "invertColors": False,
            "style": {"bgFill": "#000", "bgColor": False, "labelColor": False, "subText": "", "fontSize": 60}}}
    if panel.chart == "table":
        return {"perPage": 10, "showPartialRows": False, "showMetricsAtAllLevels": False, "showTotal": False,
                "totalFunc": "sum", "percentageCol": ""}
    return _xy_params(panel)


def _xy_params(panel: Panel) -> dict[str, Any]:
    kind = _VIS_TYPES[panel.chart]
    metric_ids, _ = _agg_ids(panel)
    return {
        "type": kind, "grid": {"categoryLines": False},
        "categoryAxes": [{"id": "CategoryAxis-1", "type": "category", "position": "bottom", "show": True, "style": {},
                          "scale": {"type": "linear"}, "labels": {"show": True, "filter": True, "truncate": 100},
                          "title": {}}],
        "valueAxes": [{"id": "ValueAxis-1", "name": "LeftAxis-1", "type": "value", "position": "left", "show": True,
                       "style": {}, "scale": {"type": "linear", "mode": "normal"},
                       "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                       "title": {"text": panel.metrics[0].label}}],
        "seriesParams": [{"show": True, "type": kind, "mode": "stacked" if kind == "histogram" else "normal",
                          "data": {"label": m.label, "id": i}, "valueAxis": "ValueAxis-1",
                          "drawLinesBetweenPoints": True, "lineWidth": 2, "showCircles": True}
                         for i, m in zip(metric_ids, panel.metrics)],
        "addTooltip": True, "addLegend": True, "legendPosition": "right", "times": [], "addTimeMarker": False,
        "labels": {},
    }


def _data_view(flavour: Flavour, view_id: str, title: str) -> dict[str, Any]:
    attributes = {"title": title, "timeFieldName": "published_at"}
    if flavour is Flavour.kibana:
        attributes["name"] = "Luister posts"  # Kibana 8 data views show a name; OpenSearch Dashboards the title
    return {"type": "index-pattern", "id": view_id, "attributes": attributes, "references": []}


def _visualization(panel: Panel, view_id: str) -> dict[str, Any]:
    return {"type": "visualization", "id": panel.id, "attributes": {
        "title": panel.title, "description": "", "version": 1, "uiStateJSON": "{}",
        "visState": _compact(vis_state(panel)), "kibanaSavedObjectMeta": _search_source(panel.query)},
        "references": [{"name": INDEX_REF, "type": "index-pattern", "id": view_id}]}


def _saved_search(search: SavedSearch, view_id: str) -> dict[str, Any]:
    return {"type": "search", "id": search.id, "attributes": {
        "title": search.title, "description": "", "version": 1, "columns": list(search.columns),
        "sort": [list(pair) for pair in search.sort], "kibanaSavedObjectMeta": _search_source(search.query)},
        "references": [{"name": INDEX_REF, "type": "index-pattern", "id": view_id}]}


def _layout(dashboard: Dashboard) -> list[dict[str, int]]:
    """Grid positions: panels fill rows left to right; a panel that does not fit starts a new row."""
    positions, x, y, row_height = [], 0, 0, 0
    for panel in dashboard.panels:
        if x + panel.width > GRID_COLUMNS:
            x, y, row_height = 0, y + row_height, 0
        positions.append({"x": x, "y": y, "w": panel.width, "h": panel.height})
        x, row_height = x + panel.width, max(row_height, panel.height)
    return positions


def _dashboard(flavour: Flavour, dashboard: Dashboard) -> dict[str, Any]:
    """Kibana 8 keeps each panel's type in panelsJSON and prefixes its reference with the panel index
    ('1:panel_1'); OpenSearch Dashboards, like Kibana 7.10, keeps the type only in the reference ('panel_0')."""
    panels_json, references = [], []
    for n, (panel, grid) in enumerate(zip(dashboard.panels, _layout(dashboard))):
        index, kind = str(n + 1), "search" if isinstance(panel, SavedSearch) else "visualization"
        entry: dict[str, Any] = {"version": _PANEL_VERSIONS[flavour], "gridData": {**grid, "i": index},
                                 "panelIndex": index, "embeddableConfig": {}}
        if flavour is Flavour.kibana:
            entry |= {"type": kind, "panelRefName": f"panel_{index}"}
            references.append({"name": f"{index}:panel_{index}", "type": kind, "id": panel.id})
        else:
            entry["panelRefName"] = f"panel_{n}"
            references.append({"name": f"panel_{n}", "type": kind, "id": panel.id})
        panels_json.append(entry)
    return {"type": "dashboard", "id": dashboard.id, "attributes": {
        "title": dashboard.title, "description": dashboard.description, "version": 1, "timeRestore": False,
        "panelsJSON": _compact(panels_json), "optionsJSON": _compact({"useMargins": True, "hidePanelTitles": False}),
        "kibanaSavedObjectMeta": _search_source((), with_index=False)},
        "references": references}


def saved_objects(flavour: Flavour, prefix: str | None = None) -> list[dict[str, Any]]:
    """Every object to import, referenced objects first: the data view on ``<prefix>-posts``, the
    visualizations and saved search, the dashboards."""
    title = posts_index(prefix or SearchSettings().index_prefix)
    view_id = title
    objects = [_data_view(flavour, view_id, title)]
    objects += [_saved_search(panel, view_id) if isinstance(panel, SavedSearch) else _visualization(panel, view_id)
                for panel in panels()]
    objects += [_dashboard(flavour, dashboard) for dashboard in DASHBOARDS]
    return [_stamp(flavour, obj) for obj in objects]


EXPORT_PATHS = {Flavour.kibana: "kibana/luister.ndjson",
                Flavour.opensearch_dashboards: "opensearch-dashboards/luister.ndjson"}


def ndjson(flavour: Flavour) -> str:
    """The import file of one product: one saved object per line."""
    return "".join(_compact(obj) + "\n" for obj in saved_objects(flavour))


def export_files() -> dict[str, str]:
    """{path below deploy/: file text} for both products."""
    return {EXPORT_PATHS[flavour]: ndjson(flavour) for flavour in Flavour}
