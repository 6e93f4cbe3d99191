"""deploy/docker-compose.yml: valid for Docker Compose, and wired the way Luister expects.

The Compose checks need only the docker client with its compose plugin (no
engine: `config` resolves the file without starting anything). The YAML checks
need nothing but PyYAML.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from pipeline.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"

# The `luister` subcommands the compose file may run. Hard-coded on purpose:
# the CLI is written separately, and this is the contract between the two.
KNOWN_COMMANDS = {("worker", "ingest"), ("worker", "indexer"), ("worker", "alerts"), ("worker", "notifier"), ("replay",), ("kibana", "import")}

# Which LUISTER_SEARCH__ENGINE value belongs to which search-engine image.
ENGINE_IMAGES = {
    "docker.elastic.co/elasticsearch/elasticsearch:": "elasticsearch",
    "opensearchproject/opensearch:": "opensearch",
}

EXPECTED_LUISTER_SERVICES = {"ingest", "indexer", "alerts", "notifier", "sample", "ingest-os", "indexer-os", "kibana-import",
                             "dashboards-import"}


def _compose_available() -> str | None:
    """None when `docker compose` can run here, else why not."""
    if shutil.which("docker") is None:
        return "the docker client is not on PATH"
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        detail = (probe.stderr or probe.stdout).strip().splitlines()
        return f"the docker client has no compose plugin ({detail[0] if detail else 'no output'})"
    return None


@pytest.mark.parametrize("profiles", [[], ["opensearch"]], ids=["default", "opensearch"])
def test_docker_compose_config_accepts_the_file(profiles: list[str]) -> None:
    reason = _compose_available()
    if reason:
        pytest.skip(f"cannot validate with Docker Compose: {reason}")
    args = ["docker", "compose", "-f", str(COMPOSE_FILE)]
    for profile in profiles:
        args += ["--profile", profile]
    result = subprocess.run(
        [*args, "config", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{shlex.join(args)} config failed:\n{result.stderr}"


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]


def _luister_services(services: dict[str, dict]) -> dict[str, dict]:
    return {
        name: svc
        for name, svc in services.items()
        if "build" in svc or str(svc.get("image", "")).startswith("luister")
    }


def _engine_of(svc: dict) -> str | None:
    image = str(svc.get("image", ""))
    return next((engine for prefix, engine in ENGINE_IMAGES.items() if image.startswith(prefix)), None)


def _depends_on(svc: dict) -> list[str]:
    deps = svc.get("depends_on", [])
    return list(deps) if isinstance(deps, (list, dict)) else []


def _command(svc: dict) -> list[str]:
    cmd = svc.get("command", [])
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def _env(svc: dict) -> dict[str, str]:
    env = svc.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def test_all_luister_services_are_present(services: dict[str, dict]) -> None:
    assert set(_luister_services(services)) == EXPECTED_LUISTER_SERVICES


def test_luister_services_run_only_known_subcommands(services: dict[str, dict]) -> None:
    for name, svc in _luister_services(services).items():
        cmd = _command(svc)
        assert cmd, f"{name} has no command (it would only print --help)"
        if cmd[0] == "worker":
            assert tuple(cmd) in KNOWN_COMMANDS, f"{name}: unknown worker command {cmd}"
        elif cmd[0] == "kibana":
            assert tuple(cmd[:2]) in KNOWN_COMMANDS, f"{name}: unknown kibana command {cmd}"
        else:
            assert (cmd[0],) in KNOWN_COMMANDS, f"{name}: unknown subcommand {cmd}"
            assert len(cmd) == 2, f"{name}: replay takes exactly one file, got {cmd}"


def test_search_engine_setting_matches_the_engine_depended_on(services: dict[str, dict]) -> None:
    for name, svc in _luister_services(services).items():
        env = _env(svc)
        assert env.get("LUISTER_KAFKA__BOOTSTRAP_SERVERS") == "kafka:9092", name
        engine = env.get("LUISTER_SEARCH__ENGINE")
        engine_deps = {dep: _engine_of(services[dep]) for dep in _depends_on(svc) if _engine_of(services[dep])}
        if engine is None and not engine_deps:
            continue  # a worker that never touches a search engine (alerts, notifier)
        assert engine in {"elasticsearch", "opensearch"}, f"{name} sets no valid LUISTER_SEARCH__ENGINE"
        assert len(engine_deps) <= 1, f"{name} depends on several search engines: {engine_deps}"
        for dep, dep_engine in engine_deps.items():
            assert engine == dep_engine, f"{name} depends on {dep} ({dep_engine}) but sets engine {engine}"
            assert urlsplit(env.get("LUISTER_SEARCH__URL", "")).hostname == dep, (
                f"{name}: LUISTER_SEARCH__URL does not point at {dep}"
            )
            condition = svc["depends_on"][dep].get("condition") if isinstance(svc["depends_on"], dict) else None
            assert condition == "service_healthy", f"{name} must wait for {dep} to be healthy"


def test_services_of_a_profile_only_depend_on_services_that_start_with_it(services: dict[str, dict]) -> None:
    for name, svc in services.items():
        profiles = set(svc.get("profiles", []))
        for dep in _depends_on(svc):
            dep_profiles = set(services[dep].get("profiles", []))
            assert not dep_profiles or dep_profiles & profiles, (
                f"{name} depends on {dep}, which only starts with profiles {sorted(dep_profiles)}"
            )


def test_indexers_for_different_engines_use_different_consumer_groups(services: dict[str, dict]) -> None:
    # Same group would split posts.enriched between the engines: each would index half.
    groups: dict[str, str] = {}
    for name, svc in _luister_services(services).items():
        if _command(svc) != ["worker", "indexer"]:
            continue
        env = _env(svc)
        app_id = env.get("LUISTER_WORKER__APP_ID", WorkerSettings().app_id)
        engine = env["LUISTER_SEARCH__ENGINE"]
        assert groups.setdefault(app_id, engine) == engine, (
            f"{name} shares consumer group '{app_id}-indexer' with an indexer for {groups[app_id]}"
        )
