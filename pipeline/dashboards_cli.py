"""`luister kibana …`: write Luister's dashboards as saved-object files and import them.

`luister kibana export` writes deploy/kibana/luister.ndjson (Kibana 8) and
deploy/opensearch-dashboards/luister.ndjson (OpenSearch Dashboards 2) from pipeline/dashboards.py;
`luister kibana import` sends one of them to a running Kibana or OpenSearch Dashboards through its
saved objects import API (the same as Stack Management → Saved objects → Import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.parse import urlsplit

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from pipeline.dashboards import EXPORT_PATHS, Flavour, export_files

kibana_app = typer.Typer(help="Kibana / OpenSearch Dashboards: Luister's dashboards as saved objects.",
                         no_args_is_help=True)
console = Console(stderr=True)
out = Console()
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
IMPORT_TIMEOUT_S = 60.0  # the products validate and migrate every object before they answer

# Both refuse API writes without their anti-CSRF header; any value will do.
XSRF_HEADERS = {Flavour.kibana: "kbn-xsrf", Flavour.opensearch_dashboards: "osd-xsrf"}


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


@kibana_app.command("export")
def kibana_export(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the NDJSON files")] = DEPLOY,
    check: Annotated[bool, typer.Option(help="Fail if the files differ from the code (CI)")] = False,
) -> None:
    """Write the saved objects (data view, visualizations, saved search, dashboards) for both products."""
    files = export_files()
    stale = [path for path, text in files.items()
             if not (directory / path).is_file() or (directory / path).read_text(encoding="utf-8") != text]
    if check and stale:
        _fail(f"{directory} is out of date ({', '.join(stale)}): run `luister kibana export`")
    if not check:
        for path in stale:
            (directory / path).parent.mkdir(parents=True, exist_ok=True)
            (directory / path).write_text(files[path], encoding="utf-8")
    out.print(f"{directory}: {len(files)} files, {'all current' if not stale else f'{len(stale)} written'}")


def shown(url: str) -> str:
    """The URL without the password it may carry, for messages and logs."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def import_url(url: str, space: str | None) -> str:
    """The import endpoint, in a Kibana space when one is named, replacing objects with the same ids."""
    base = url.rstrip("/") + (f"/s/{space}" if space else "")
    return f"{base}/api/saved_objects/_import"


def post_import(url: str, flavour: Flavour, ndjson: bytes, *, space: str | None = None) -> httpx.Response:
    """POST an NDJSON file as the multipart field `file`, as the products' own UI does.

    Raises httpx.HTTPError when the server cannot be reached."""
    return httpx.post(
        import_url(url, space), params={"overwrite": "true"}, headers={XSRF_HEADERS[flavour]: "true"},
        files={"file": ("luister.ndjson", ndjson, "application/ndjson")}, timeout=IMPORT_TIMEOUT_S,
    )


def describe_errors(result: dict[str, Any]) -> list[str]:
    """One line per object the import refused: which object, and why (the product's error type and details)."""
    lines = []
    for item in result.get("errors", []):
        error = item.get("error", {})
        detail = error.get("message") or ", ".join(
            f"{ref.get('type')} {ref.get('id')}" for ref in error.get("references", []))
        lines.append(f"{item.get('type')} {item.get('id')} ({item.get('title', '')}): {error.get('type', 'unknown')}"
                     + (f": {detail}" if detail else ""))
    return lines


@kibana_app.command("import")
def kibana_import(
    url: Annotated[str, typer.Option(help="Base URL, e.g. http://localhost:5601 (user:password@ for basic auth)")],
    flavour: Annotated[Flavour, typer.Option(help="Which product listens at --url")] = Flavour.kibana,
    space: Annotated[str | None, typer.Option(help="Kibana space to import into (default: the default space)")] = None,
    file: Annotated[Path | None, typer.Option(
        help="NDJSON to import (default: the --flavour's file in deploy/)")] = None,
) -> None:
    """Import Luister's dashboards into Kibana or OpenSearch Dashboards (objects with the same ids are replaced)."""
    if space and flavour is Flavour.opensearch_dashboards:
        _fail("OpenSearch Dashboards has no spaces; leave out --space")
    path = file or DEPLOY / EXPORT_PATHS[flavour]
    if not path.is_file():
        _fail(f"{path} does not exist: run `luister kibana export`")
    target = shown(url)
    try:
        response = post_import(url, flavour, path.read_bytes(), space=space)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach {flavour} at {target}: {type(exc).__name__}: {exc}")
    try:
        result = response.json()
    except ValueError:
        _fail(f"{flavour} answered HTTP {response.status_code} without JSON: {response.text[:300]}")
    if response.status_code != 200:
        _fail(f"{flavour} refused the import (HTTP {response.status_code}): {result.get('message', result)}")
    errors = describe_errors(result)
    for line in errors:
        console.print(f"[red]not imported:[/red] {escape(line)}")
    if errors:
        _fail(f"{len(errors)} of the objects in {path.name} were not imported into {target}")
    if not result.get("success"):
        _fail(f"{flavour} did not report success: {result}")
    out.print(f"imported {result.get('successCount', 0)} saved objects from {path.name} into {target}"
              + (f" (space {space})" if space else ""))
