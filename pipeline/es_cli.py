"""`luister es …`: install and look after the search engine's side (templates, lifecycle, retention).

The same definitions (pipeline/search/bodies.py) are installed by `luister es setup` on any
cluster, by `luister stack up` on the local node and by the indexer at start; `luister es
export` writes them as plain JSON files to deploy/elasticsearch/ for people who apply them
with their own tools (the file path is the REST path to PUT them to).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.settings import SearchSettings, Settings

es_app = typer.Typer(help="The search engine: index templates, lifecycle (retention) and pruning.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


@es_app.command("setup")
def es_setup(
    retention_days: Annotated[int | None, typer.Option(
        min=1, help="Keep posts at least this many days [default: search.retention_days]")] = None,
) -> None:
    """Install (or update) the templates and retention policy and create this month's indices; safe to repeat."""
    from pipeline.search import (
        LifecycleUnsupported, SearchUnavailable, apply_retention, connect, posts_index, setup_indices, unmatched_index,
    )
    from pipeline.search.bodies import component_templates, index_templates

    settings = Settings()
    prefix, days = settings.search.index_prefix, retention_days or settings.search.retention_days
    client = connect(settings.search)
    try:
        setup_indices(client, prefix)
        lifecycle = apply_retention(client, prefix, days) if days else "none: search.retention_days is unset"
    except LifecycleUnsupported as exc:
        lifecycle = (f"not enforced by the engine ({exc}); run `luister es prune` daily to delete monthly "
                     f"indices {days} days after their month ends")
    except (SearchUnavailable, ConnectionError, OSError) as exc:
        _fail(f"cannot reach the search engine at {settings.search.url}: {exc}")
    except Exception as exc:  # an engine refusing a template says why in its message
        _fail(f"{settings.search.url} refused the setup: {type(exc).__name__}: {exc}")
    table = Table("what", "name", title=f"search engine {settings.search.url} ({settings.search.engine})")
    for name in component_templates(prefix):
        table.add_row("component template", name)
    for name in index_templates(prefix):
        table.add_row("index template", f"{name} → {name}-*")
    for alias in (posts_index(prefix), unmatched_index(prefix)):
        table.add_row("read alias", escape(f"{alias}: {', '.join(client.indices(f'{alias}-*'))}"))
    table.add_row("retention", escape(lifecycle))
    out.print(table)


@es_app.command("prune")
def es_prune(
    retention_days: Annotated[int | None, typer.Option(
        min=1, help="Keep posts at least this many days [default: search.retention_days]")] = None,
    dry_run: Annotated[bool, typer.Option(help="Only list what would be deleted")] = False,
) -> None:
    """Delete monthly indices whose whole month is past retention (for engines without ILM/ISM)."""
    from pipeline.search import connect, expired_indices, monthly_indices, prune_expired

    settings = Settings()
    prefix, days = settings.search.index_prefix, retention_days or settings.search.retention_days
    if not days:
        _fail("no retention: set LUISTER_SEARCH__RETENTION_DAYS or pass --retention-days")
    client = connect(settings.search)
    now = datetime.now(UTC)
    if dry_run:
        gone = expired_indices(monthly_indices(client, prefix), prefix, days, now)
    else:
        gone = prune_expired(client, prefix, days, now)
    verb = "would delete" if dry_run else "deleted"
    out.print(f"{verb} {len(gone)} monthly indices older than {days} days" + (f": {', '.join(gone)}" if gone else ""))


def export_files(prefix: str | None = None, retention_days: int | None = None) -> dict[str, Any]:
    """{relative path: JSON body} of everything `es setup` installs: elasticsearch/… and opensearch/….

    Below each engine's folder a file's path is the REST path to PUT its body to, so
    `curl -XPUT $URL/<path without .json> -d @<file>` applies one (components first)."""
    from pipeline.search.bodies import (
        component_templates, ilm_policy, index_templates, ism_policy, lifecycle_policy_name,
    )

    defaults = SearchSettings()
    prefix = prefix or defaults.index_prefix
    retention_days = retention_days or defaults.retention_days or 395
    policy = lifecycle_policy_name(prefix)
    files: dict[str, Any] = {}
    for engine in ("elasticsearch", "opensearch"):
        for name, body in component_templates(prefix).items():
            files[f"{engine}/_component_template/{name}.json"] = body
    for name, body in index_templates(prefix, lifecycle=policy).items():
        files[f"elasticsearch/_index_template/{name}.json"] = body
    for name, body in index_templates(prefix).items():
        files[f"opensearch/_index_template/{name}.json"] = body
    files[f"elasticsearch/_ilm/policy/{policy}.json"] = ilm_policy(retention_days)
    files[f"opensearch/_plugins/_ism/policies/{policy}.json"] = ism_policy(prefix, retention_days)
    return files


@es_app.command("export")
def es_export(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the JSON files")] = DEPLOY,
    check: Annotated[bool, typer.Option(help="Fail if the files differ from the code (CI)")] = False,
) -> None:
    """Write the templates and lifecycle policies as JSON files (deploy/elasticsearch/, deploy/opensearch/)."""
    stale = []
    for path, body in export_files().items():
        target = directory / path
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if check and stale:
        _fail(f"{directory} is out of date ({', '.join(stale)}): run `luister es export`")
    out.print(f"{directory}: {len(export_files())} files, {'all current' if not stale else f'{len(stale)} written'}")
