"""The Kibana / OpenSearch Dashboards saved objects (pipeline/dashboards.py) and `luister kibana`.

Structure only, no Kibana here: every line is an object, ids are unique, every reference and every
reference name inside the objects' JSON strings resolves, every field a visualization aggregates
exists in the posts mapping with a type the engine aggregates on, and deploy/ holds the generated
files. The import command is run against a local HTTP server that checks the upload as Kibana does
and answers as Kibana's `_import` API does. Whether each panel counts the right posts is proven on
the real engine in tests/integration/test_dashboards.py.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.dashboards import (
    DASHBOARDS, EXPORT_PATHS, Filters, Flavour, Match, Metric, Panel, SavedSearch, Terms, export_files, ndjson,
    panel_body, panel_rows, vis_state,
)
from pipeline.search.bodies import POSTS_MAPPINGS

ROOT = Path(__file__).resolve().parents[2]
FLAVOURS = list(Flavour)
AGGREGATABLE = {"keyword", "date", "boolean", "long", "integer", "float", "double"}


def _objects(flavour: Flavour) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ndjson(flavour).splitlines()]


def _said(result: Any) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def _mapping(path: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = POSTS_MAPPINGS
    for part in path.split("."):
        node = (node or {}).get("properties", {}).get(part)
    return node


# -- the files ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_line_is_one_saved_object(flavour):
    lines = ndjson(flavour).splitlines()
    assert len(lines) > 3
    for line in lines:
        obj = json.loads(line)
        assert set(obj) >= {"type", "id", "attributes", "references"}, line[:120]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ids_are_unique(flavour):
    ids = [obj["id"] for obj in _objects(flavour)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_reference_resolves_to_an_object_in_the_file(flavour):
    objects = _objects(flavour)
    present = {(obj["type"], obj["id"]) for obj in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in present, f"{obj['id']} refers to missing {ref}"
        names = [ref["name"] for ref in obj["references"]]
        assert len(names) == len(set(names)), f"{obj['id']}: reference names repeat"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_objects_name_their_references_as_the_products_resolve_them(flavour):
    for obj in _objects(flavour):
        refs = {ref["name"]: ref for ref in obj["references"]}
        meta = obj["attributes"].get("kibanaSavedObjectMeta")
        if meta:
            source = json.loads(meta["searchSourceJSON"])
            if "indexRefName" in source:
                assert refs[source["indexRefName"]]["type"] == "index-pattern"
        if obj["type"] == "dashboard":
            panels = json.loads(obj["attributes"]["panelsJSON"])
            assert len(panels) == len(refs)
            for panel in panels:
                # Kibana 8 looks up '<panelIndex>:' + panelRefName; OpenSearch Dashboards panelRefName itself
                name = (f"{panel['panelIndex']}:{panel['panelRefName']}" if flavour is Flavour.kibana
                        else panel["panelRefName"])
                assert name in refs, f"{obj['id']}: panel {panel['panelIndex']} has no reference {name!r}"
                if flavour is Flavour.kibana:
                    assert panel["type"] == refs[name]["type"]
                else:
                    assert "type" not in panel


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_objects_carry_the_version_stamps_of_their_product(flavour):
    for obj in _objects(flavour):
        if flavour is Flavour.kibana:
            assert obj["coreMigrationVersion"] and obj["typeMigrationVersion"] and "migrationVersion" not in obj
        else:
            assert list(obj["migrationVersion"]) == [obj["type"]] and "typeMigrationVersion" not in obj


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_data_view_is_the_posts_alias_with_its_time_field(flavour):
    views = [obj for obj in _objects(flavour) if obj["type"] == "index-pattern"]
    assert [(v["attributes"]["title"], v["attributes"]["timeFieldName"]) for v in views] == [
        ("luister-posts", "published_at")]
    assert _mapping("published_at") == {"type": "date"}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_visualization_aggregates_fields_the_engine_can_aggregate(flavour):
    visualizations = [obj for obj in _objects(flavour) if obj["type"] == "visualization"]
    assert visualizations
    for obj in visualizations:
        state = json.loads(obj["attributes"]["visState"])
        assert state["title"] == obj["attributes"]["title"]
        assert state["type"] in {"line", "histogram", "pie", "metric", "table"}
        for agg in state["aggs"]:
            name = agg["params"].get("field")
            if name is None:
                assert agg["type"] in {"count", "filters"}, agg
                continue
            mapping = _mapping(name)
            assert mapping is not None, f"{obj['id']}: {name} is not in POSTS_MAPPINGS"
            assert mapping["type"] in AGGREGATABLE, f"{obj['id']}: {name} is {mapping['type']}"


def _vis_buckets(state: dict[str, Any]) -> list[tuple[str, Any]]:
    """(type, what) of a visState's bucket aggregations, outermost first."""
    return [(agg["type"], agg["params"].get("field") or [f["input"]["query"] for f in agg["params"]["filters"]])
            for agg in state["aggs"] if agg["schema"] != "metric"]


def _dsl_buckets(body: dict[str, Any]) -> list[tuple[str, Any]]:
    """(type, what) of a request's nested bucket aggregations, outermost first."""
    found, aggs = [], body.get("aggs", {})
    while True:
        nested = [agg for agg in aggs.values() if {"terms", "date_histogram", "filters"} & set(agg)]
        if not nested:
            return found
        [agg] = nested
        kind = next(k for k in ("terms", "date_histogram", "filters") if k in agg)
        found.append((kind, agg[kind].get("field") or list(agg[kind]["filters"].values())))
        aggs = agg.get("aggs", {})


@pytest.mark.parametrize("panel", [p for d in DASHBOARDS for p in d.panels if isinstance(p, Panel)],
                         ids=lambda p: p.id)
def test_the_dsl_of_a_panel_buckets_the_fields_its_visualization_shows(panel):
    shown, run = _vis_buckets(vis_state(panel)), _dsl_buckets(panel_body(panel))
    assert [kind for kind, _ in shown] == [kind for kind, _ in run]
    for (kind, what), (_, ran) in zip(shown, run):
        if kind == "filters":  # each KQL condition `field : value` became a term query on that field
            assert [q.split(" : ")[0] for q in what] == [next(iter(f["bool"]["filter"][0]["term"])) for f in ran]
        else:
            assert what == ran


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_queries_and_columns_use_fields_of_the_index(flavour):
    for obj in _objects(flavour):
        for column in obj["attributes"].get("columns", []):
            assert _mapping(column) is not None, f"{obj['id']}: column {column}"
        for name, _order in obj["attributes"].get("sort", []):
            assert _mapping(name)["type"] in AGGREGATABLE  # sorting needs doc values too


def test_deploy_holds_the_generated_files():
    for path, text in export_files().items():
        target = ROOT / "deploy" / path
        assert target.is_file() and target.read_text(encoding="utf-8") == text, (
            f"deploy/{path} is stale: run `luister kibana export`")


def test_export_check_fails_on_stale_files_and_export_fixes_them(tmp_path):
    stale = CliRunner().invoke(app, ["kibana", "export", "--check", "--dir", str(tmp_path)])
    assert stale.exit_code == 1 and "luister kibana export" in _said(stale)
    written = CliRunner().invoke(app, ["kibana", "export", "--dir", str(tmp_path)])
    assert written.exit_code == 0, written.output
    assert CliRunner().invoke(app, ["kibana", "export", "--check", "--dir", str(tmp_path)]).exit_code == 0


UI_IMAGES = {"docker.elastic.co/kibana/kibana:": Flavour.kibana,
             "opensearchproject/opensearch-dashboards:": Flavour.opensearch_dashboards}


def test_compose_imports_each_products_file_once_it_is_healthy():
    services = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    imported = set()
    for name, svc in services.items():
        cmd = [str(part) for part in svc.get("command", [])]
        if cmd[:2] != ["kibana", "import"]:
            continue
        options = dict(zip(cmd[2::2], cmd[3::2]))
        flavour = Flavour(options.get("--flavour", "kibana"))
        ui = urlsplit(options["--url"]).hostname
        assert svc["depends_on"][ui]["condition"] == "service_healthy", f"{name} must wait for {ui}"
        assert "healthcheck" in services[ui], f"{ui} needs a healthcheck for {name} to wait on"
        assert [f for prefix, f in UI_IMAGES.items() if services[ui]["image"].startswith(prefix)] == [flavour]
        assert options["--file"] == f"/app/deploy/{EXPORT_PATHS[flavour]}"  # the Dockerfile copies deploy/ to /app
        assert svc.get("restart") == "no", f"{name} is one-shot"
        imported.add(flavour)
    assert imported == set(Flavour)


# -- the spec --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda: Panel("p", "Woorden", "pie", buckets=(Terms("text", 5, "Tekst"),)),
    lambda: Panel("p", "Bestaat niet", "bar", buckets=(Terms("klantnummer", 5, "Klant"),)),
    lambda: Metric("avg"),
    lambda: Metric("count", "engagement.likes"),
    lambda: Match("title", "storing"),
    lambda: Panel("p", "Op likes", "table", buckets=(Terms("channel", 5, "Kanaal"),),
                  metrics=(Metric("sum", "engagement.likes", "Likes"),)),
    lambda: SavedSearch("s", "Onbekende kolom", (), ("kleur",), (("published_at", "desc"),)),
], ids=["text-field", "unknown-field", "avg-without-field", "count-with-field", "match-on-text",
        "terms-not-by-count", "unknown-column"])
def test_the_spec_refuses_what_no_engine_can_run(build):
    with pytest.raises(ValueError):
        build()


@pytest.mark.parametrize(("match", "kql"), [
    (Match("proactive", True), "proactive : true"),
    (Match("intent.label", "klacht"), 'intent.label : "klacht"'),
    (Match("author.handle", 'de "echte" jan\\'), 'author.handle : "de \\"echte\\" jan\\\\"'),
])
def test_conditions_are_written_as_kql(match, kql):
    assert match.kql() == kql


def test_panel_rows_read_nested_buckets_days_in_dutch_time_and_filters():
    panel = Panel("p", "Per dag en kanaal", "line",
                  buckets=(Filters((("Hoog", Match("priority", "high")),)), Terms("channel", 5, "Kanaal")),
                  metrics=(Metric(), Metric("sum", "engagement.likes", "Likes")))
    body = panel_body(panel)
    assert body["aggs"]["3"]["aggs"]["4"]["aggs"] == {"2": {"sum": {"field": "engagement.likes"}}}
    response = {"hits": {"total": {"value": 7}}, "aggregations": {"3": {"buckets": {"Hoog": {
        "doc_count": 5, "4": {"buckets": [{"key": "x", "doc_count": 3, "2": {"value": 40.0}},
                                          {"key": "forum", "doc_count": 2, "2": {"value": 0.0}}]}}}}}}
    assert panel_rows(panel, response) == {("Hoog", "x"): {"Posts": 3, "Likes": 40.0},
                                           ("Hoog", "forum"): {"Posts": 2, "Likes": 0.0}}
    day = Panel("d", "Per dag", "bar", buckets=(DASHBOARDS[0].panels[2].buckets[0],))
    answer = {"hits": {"total": {"value": 4}}, "aggregations": {"2": {"buckets": [
        {"key_as_string": "2026-11-01T00:00:00.000+01:00", "key": 1761951600000, "doc_count": 4}]}}}
    assert panel_rows(day, answer) == {("2026-11-01",): {"Posts": 4}}


# -- luister kibana import against a local HTTP server ---------------------------------------------------------------


@dataclass
class Upload:
    path: str = ""
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    content: bytes = b""


@dataclass
class FakeKibana:
    """What the server received, and how it answers: 'ok', 'missing' (one object's reference is absent) or
    'bad-request' (Kibana's answer to a request it cannot read)."""

    url: str
    answer: str = "ok"
    uploads: list[Upload] = field(default_factory=list)


def _handler(fake: FakeKibana) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            upload = Upload(path=urlsplit(self.path).path, query=parse_qs(urlsplit(self.path).query),
                            headers={k.lower(): v for k, v in self.headers.items()})
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body)
            for part in message.iter_parts():
                if part.get_param("name", header="content-disposition") == "file":
                    upload.filename, upload.content = part.get_filename(), part.get_payload(decode=True)
            fake.uploads.append(upload)
            self._answer(*self._result(upload))

        def _result(self, upload: Upload) -> tuple[int, dict[str, Any]]:
            if fake.answer == "bad-request" or upload.filename is None:
                return 400, {"statusCode": 400, "error": "Bad Request",
                             "message": "Invalid file extension .txt" if upload.filename else "[file]: required"}
            objects = [json.loads(line) for line in upload.content.decode().splitlines()]
            done = [{"type": o["type"], "id": o["id"], "meta": {"title": o["attributes"]["title"]}} for o in objects]
            if fake.answer == "missing":
                refused = next(o for o in objects if o["type"] == "visualization")
                done = [d for d in done if d["id"] != refused["id"]]
                return 200, {"success": False, "successCount": len(done), "successResults": done, "errors": [{
                    "id": refused["id"], "type": "visualization", "title": refused["attributes"]["title"],
                    "meta": {"title": refused["attributes"]["title"], "icon": "visualizeApp"},
                    "error": {"type": "missing_references", "references": [
                        {"type": "index-pattern", "id": "luister-posts"}]}}]}
            return 200, {"success": True, "successCount": len(done), "successResults": done}

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # keep pytest's output clean
            pass

    return Handler


@pytest.fixture
def kibana() -> Iterator[FakeKibana]:
    fake = FakeKibana(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


def test_import_uploads_the_kibana_file_with_the_xsrf_header(kibana):
    result = CliRunner().invoke(app, ["kibana", "import", "--url", kibana.url + "/"])
    assert result.exit_code == 0, result.output
    [upload] = kibana.uploads
    sent = (ROOT / "deploy" / "kibana" / "luister.ndjson").read_bytes()
    assert upload.path == "/api/saved_objects/_import" and upload.query == {"overwrite": ["true"]}
    assert upload.headers["kbn-xsrf"] == "true" and upload.headers["content-type"].startswith("multipart/form-data")
    assert upload.filename == "luister.ndjson" and upload.content == sent
    assert f"imported {len(sent.splitlines())} saved objects" in _said(result)


def test_import_sends_credentials_from_the_url_and_never_prints_them(kibana):
    with_user = kibana.url.replace("http://", "http://analist:geheim%21@")
    result = CliRunner().invoke(app, ["kibana", "import", "--url", with_user])
    assert result.exit_code == 0, result.output
    assert kibana.uploads[0].headers["authorization"] == "Basic " + base64.b64encode(b"analist:geheim!").decode()
    assert "geheim" not in result.output and kibana.url in _said(result)


def test_import_into_a_kibana_space(kibana):
    result = CliRunner().invoke(app, ["kibana", "import", "--url", kibana.url, "--space", "webcare"])
    assert result.exit_code == 0, result.output
    assert kibana.uploads[0].path == "/s/webcare/api/saved_objects/_import" and "space webcare" in _said(result)


def test_import_into_opensearch_dashboards_sends_its_file_and_header(kibana):
    result = CliRunner().invoke(app, ["kibana", "import", "--url", kibana.url, "--flavour", "opensearch-dashboards"])
    assert result.exit_code == 0, result.output
    [upload] = kibana.uploads
    assert upload.headers["osd-xsrf"] == "true" and "kbn-xsrf" not in upload.headers
    assert upload.content == (ROOT / "deploy" / "opensearch-dashboards" / "luister.ndjson").read_bytes()
    refused = CliRunner().invoke(app, ["kibana", "import", "--url", kibana.url, "--flavour", "opensearch-dashboards",
                                       "--space", "webcare"])
    assert refused.exit_code == 1 and "no spaces" in _said(refused) and len(kibana.uploads) == 1


def test_import_reports_each_object_the_product_refused(kibana):
    kibana.answer = "missing"
    result = CliRunner().invoke(app, ["kibana", "import", "--url", kibana.url])
    refused = next(json.loads(line) for line in ndjson(Flavour.kibana).splitlines() if '"visualization"' in line)
    assert result.exit_code == 1
    assert f"visualization {refused['id']}" in _said(result) and "missing_references" in _said(result)
    assert "index-pattern luister-posts" in _said(result) and "1 of the objects" in _said(result)


def test_import_reports_a_refused_request(kibana):
    kibana.answer = "bad-request"
    result = CliRunner().invoke(app, ["kibana", "import", "--url", kibana.url])
    assert result.exit_code == 1 and "HTTP 400" in _said(result) and "Invalid file extension" in _said(result)


def test_import_reports_an_unreachable_server(kibana, tmp_path):
    closed = kibana.url.rsplit(":", 1)[0] + ":9"  # the discard port: nothing listens there
    result = CliRunner().invoke(app, ["kibana", "import", "--url", closed])
    assert result.exit_code == 1 and "cannot reach kibana" in _said(result)
    missing = CliRunner().invoke(app, ["kibana", "import", "--url", kibana.url, "--file", str(tmp_path / "x.ndjson")])
    assert missing.exit_code == 1 and "does not exist" in _said(missing) and not kibana.uploads
