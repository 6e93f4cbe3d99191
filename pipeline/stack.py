"""The local development stack: Kafka and OpenSearch as two detached JVMs, no Docker.

Both run from jars on Maven Central that Maven resolves from ``deploy/local/*/pom.xml``:
Kafka 4.0 in KRaft mode (one broker+controller node, ``deploy/local/kafka/``) and one
OpenSearch 2.19 node (``deploy/local/opensearch/SearchNode.java``). Needs a Java 17 JDK
and Maven.

Guarantees:

* Everything lives under ``settings.stack.home`` (a relative path is relative to the
  working directory, like ``.env``): cached classpaths (``classpath/``; Maven runs again
  only when a pom's sha256 changes or a cached jar is gone), data (``kafka/``,
  ``search/``), logs (``logs/``) and pid files (``run/``).
* ``up`` is idempotent: a healthy service is left alone, whoever started it. It returns
  once both services pass their health check, or raises ``StackError`` naming the log to
  read. The JVMs run in their own session, so they outlive the calling process.
* Data survives ``down``/``up`` and ``stop_*``/``start_*``: Kafka's storage is formatted
  only once and OpenSearch keeps its data directory.
* Only processes started here are ever signalled: a pid file counts only while that pid's
  command line still names the service's main class. Stopping sends SIGTERM, then SIGKILL
  after ``STOP_GRACE_S``, and removes the pid file.
* Changes hold an exclusive lock on ``<home>/stack.lock``, so concurrent callers (parallel
  test sessions, ``make run`` in two shells) start each service once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import Settings

Log = Callable[[str], None]
DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "local"
SERVICES = {"kafka": "kafka.Kafka", "search": "SearchNode.java"}  # name -> marker in its command line
STOP_GRACE_S = 30.0


class StackError(Exception):
    """The stack cannot reach the requested state; the message says what to do about it."""


@dataclass(frozen=True)
class ServiceStatus:
    """One service. ``running``: our process is alive, or something healthy answers on its port."""

    name: str
    running: bool
    healthy: bool
    pid: int | None
    detail: str


@dataclass(frozen=True)
class StackStatus:
    kafka: ServiceStatus
    search: ServiceStatus

    @property
    def healthy(self) -> bool:
        return self.kafka.healthy and self.search.healthy


# -- public API ---------------------------------------------------------------------------

def up(settings: Settings, log: Log = print) -> StackStatus:
    """Start each service that is not healthy; return once both are (``stack.start_timeout_s``)."""
    with _lock(settings):
        starting = [name for name in SERVICES if not _healthy(settings, name)]
        for name in starting:
            _spawn(settings, name, log)
        _wait(settings, starting, log)
    return status(settings)


def down(settings: Settings, log: Log = print) -> None:
    """Stop OpenSearch, then Kafka. Data is kept; services not started here are left alone."""
    with _lock(settings):
        for name in ("search", "kafka"):
            _stop(settings, name, log)


def status(settings: Settings) -> StackStatus:
    """Probe both services; changes nothing."""
    return StackStatus(kafka=_status(settings, "kafka"), search=_status(settings, "search"))


def start_kafka(settings: Settings, log: Log = print) -> ServiceStatus:
    """Start Kafka unless it is healthy; return once it is."""
    return _start_one(settings, "kafka", log)


def stop_kafka(settings: Settings, log: Log = print) -> None:
    """Stop Kafka (e.g. to test a broker outage); its data is kept."""
    with _lock(settings):
        _stop(settings, "kafka", log)


def start_search(settings: Settings, log: Log = print) -> ServiceStatus:
    """Start OpenSearch unless it is healthy; return once it is."""
    return _start_one(settings, "search", log)


def stop_search(settings: Settings, log: Log = print) -> None:
    """Stop OpenSearch (e.g. to test a search-engine outage); its data is kept."""
    with _lock(settings):
        _stop(settings, "search", log)


# -- processes ----------------------------------------------------------------------------

def _home(settings: Settings) -> Path:
    return settings.stack.home.resolve()


def _pid_file(settings: Settings, name: str) -> Path:
    return _home(settings) / "run" / f"{name}.pid"


def _log_file(settings: Settings, name: str) -> Path:
    return _home(settings) / "logs" / f"{name}.log"


def _port(settings: Settings, name: str) -> int:
    return settings.stack.kafka_port if name == "kafka" else settings.stack.search_port


@contextlib.contextmanager
def _lock(settings: Settings) -> Iterator[None]:
    _home(settings).mkdir(parents=True, exist_ok=True)
    with open(_home(settings) / "stack.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _pid(settings: Settings, name: str) -> int | None:
    """The pid of our live process for ``name``, else None (a stale pid file counts as none)."""
    try:
        pid = int(_pid_file(settings, name).read_text())
    except (OSError, ValueError):
        return None
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our exited child, else it lingers as a zombie
    return pid if SERVICES[name].encode() in _cmdline(pid) else None


def _cmdline(pid: int) -> bytes:
    """The process's command line; b"" when it is gone or a zombie."""
    proc = Path(f"/proc/{pid}")
    if not proc.parent.joinpath("self").exists():  # no procfs (macOS): ask ps
        done = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True)
        return done.stdout
    try:
        # Just after exec (and while exiting) the kernel shows an empty cmdline for a moment:
        # 17 % of reads right after Popen() here. Empty and not a zombie: look again.
        for _ in range(40):
            cmdline = (proc / "cmdline").read_bytes()
            if cmdline or (proc / "stat").read_text().rpartition(")")[2].split()[0] in "ZX":
                return cmdline
            time.sleep(0.025)
    except OSError:
        pass
    return b""


def _start_one(settings: Settings, name: str, log: Log) -> ServiceStatus:
    with _lock(settings):
        if not _healthy(settings, name):
            _spawn(settings, name, log)
            _wait(settings, [name], log)
    return _status(settings, name)


def _spawn(settings: Settings, name: str, log: Log) -> None:
    """Launch ``name`` detached, unless our process for it is alive already (still starting)."""
    if _pid(settings, name) is not None:
        return
    ports = [_port(settings, name)] + ([settings.stack.kafka_controller_port] if name == "kafka" else [])
    busy = [port for port in ports if _port_open(port)]
    if busy:
        raise StackError(f"port {busy[0]} is in use by another process, so {name} cannot start: stop that "
                         f"process (find it with `ss -ltnp | grep :{busy[0]}`), or move the stack with "
                         "LUISTER_STACK__KAFKA_PORT, LUISTER_STACK__KAFKA_CONTROLLER_PORT or "
                         "LUISTER_STACK__SEARCH_PORT")
    java = _java()
    command = _kafka_command(settings, java, log) if name == "kafka" else _search_command(settings, java, log)
    # Kafka logs through log4j to kafka.log; its stdout (JVM errors) goes to kafka.out.
    output = _log_file(settings, name).with_suffix(".out" if name == "kafka" else ".log")
    output.parent.mkdir(parents=True, exist_ok=True)
    _pid_file(settings, name).parent.mkdir(parents=True, exist_ok=True)
    with open(output, "ab") as out:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=_home(settings), start_new_session=True)
    _pid_file(settings, name).write_text(f"{proc.pid}\n")
    log(f"{name}: starting, pid {proc.pid}, log {_log_file(settings, name)}")


def _wait(settings: Settings, names: list[str], log: Log) -> None:
    started = time.monotonic()
    pending = list(names)
    while pending:
        for name in list(pending):
            if _healthy(settings, name):
                pending.remove(name)
                if name == "search":
                    _configure_search(settings, log)
                log(f"{name}: healthy after {time.monotonic() - started:.1f} s")
            elif _pid(settings, name) is None:
                _pid_file(settings, name).unlink(missing_ok=True)
                logs = [_log_file(settings, name), _log_file(settings, name).with_suffix(".out")]
                raise StackError(f"{name} exited while starting; the end of its log:\n"
                                 + "".join(_tail(f) for f in logs if f.exists()))
        if pending and time.monotonic() - started > settings.stack.start_timeout_s:
            raise StackError(
                f"{' and '.join(pending)} not healthy after {settings.stack.start_timeout_s:.0f} s; see "
                f"{', '.join(str(_log_file(settings, n)) for n in pending)}. It goes on starting in the "
                "background: on a slow machine raise LUISTER_STACK__START_TIMEOUT_S; "
                "`luister stack down` stops it.")
        if pending:
            time.sleep(0.5)


def _stop(settings: Settings, name: str, log: Log) -> None:
    pid = _pid(settings, name)
    if pid is None:
        _pid_file(settings, name).unlink(missing_ok=True)
        log(f"{name}: " + ("not started by luister; left alone" if _healthy(settings, name) else "not running"))
        return
    for sig, grace_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 10.0)):
        if sig == signal.SIGKILL:
            log(f"{name}: pid {pid} still alive {STOP_GRACE_S:.0f} s after SIGTERM; sending SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + grace_s
        while _pid(settings, name) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        if _pid(settings, name) is None:
            break
    _pid_file(settings, name).unlink(missing_ok=True)
    log(f"{name}: stopped (pid {pid})")


def _tail(path: Path, lines: int = 20) -> str:
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- {path}\n" + "\n".join(text) + "\n"


# -- Java, Maven and the two command lines -------------------------------------------------

def _java() -> str:
    java = shutil.which("java")
    if java is None or shutil.which("javac") is None:  # SearchNode.java runs as source: needs a JDK
        raise StackError("Java 17 not found: install it with `apt-get install openjdk-17-jdk-headless`")
    banner = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    major = re.search(r'version "(\d+)', banner)
    if not major or int(major.group(1)) < 17:
        raise StackError(f"Java 17 or newer is needed, found {banner.splitlines()[:1]}: install it with "
                         "`apt-get install openjdk-17-jdk-headless`")
    return java


def _classpath(settings: Settings, pom: Path, log: Log) -> str:
    """The pom's runtime classpath: cached per pom sha256, resolved by Maven when missing."""
    cache_dir = _home(settings) / "classpath"
    cache = cache_dir / f"{pom.parent.name}-{hashlib.sha256(pom.read_bytes()).hexdigest()[:16]}.txt"
    if cache.exists():
        classpath = cache.read_text().strip()
        if classpath and all(Path(jar).exists() for jar in classpath.split(os.pathsep)):
            return classpath
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven not found: install it with `apt-get install maven`")
    log(f"{pom.parent.name}: resolving jars with Maven from {pom} (only when the pom changes)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    done = subprocess.run([mvn, "-q", "-B", "-f", str(pom), "dependency:build-classpath",
                           f"-Dmdep.outputFile={tmp}"],
                          capture_output=True, text=True, env={**os.environ, "CI": "true"})
    if done.returncode != 0 or not tmp.exists():
        raise StackError(f"Maven could not resolve {pom} (is Maven Central reachable?):\n"
                         + "\n".join((done.stdout + done.stderr).splitlines()[-20:]))
    for old in cache_dir.glob(f"{pom.parent.name}-*.txt"):
        old.unlink()
    tmp.replace(cache)
    return cache.read_text().strip()


def _kafka_command(settings: Settings, java: str, log: Log) -> list[str]:
    s, home = settings.stack, _home(settings)
    data, props = home / "kafka" / "data", home / "kafka" / "server.properties"
    data.mkdir(parents=True, exist_ok=True)
    template = (DEPLOY / "kafka" / "server.properties").read_text()
    props.write_text(template.format(kafka_port=s.kafka_port, controller_port=s.kafka_controller_port,
                                     data_dir=data))
    base = [java, "-cp", _classpath(settings, DEPLOY / "kafka" / "pom.xml", log),
            f"-Dlog4j2.configurationFile={DEPLOY / 'log4j2.xml'}", f"-Dkafka.logs.dir={home / 'logs'}"]
    if not (data / "meta.properties").exists():  # format once: formatting again would fail
        cluster_id = _run(base + ["kafka.tools.StorageTool", "random-uuid"]).strip()
        _run(base + ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props)])
        log(f"kafka: formatted {data} (cluster id {cluster_id})")
    return [java, f"-Xms{s.kafka_heap}", f"-Xmx{s.kafka_heap}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true", "-Dlog4j2.shutdownHookEnabled=false",
            *base[1:], "kafka.Kafka", str(props)]


def _search_command(settings: Settings, java: str, log: Log) -> list[str]:
    s = settings.stack
    return [java, f"-Xms{s.search_heap}", f"-Xmx{s.search_heap}", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true", "-Dfile.encoding=UTF-8", "-Dlog4j2.shutdownHookEnabled=false",
            "-Dlog4j2.formatMsgNoLookups=true", "-cp", _classpath(settings, DEPLOY / "opensearch" / "pom.xml", log),
            str(DEPLOY / "opensearch" / "SearchNode.java"), str(_home(settings) / "search"), str(s.search_port),
            "luister-local"]


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise StackError(f"`{' '.join(command[-5:])}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


# -- health -------------------------------------------------------------------------------

def _status(settings: Settings, name: str) -> ServiceStatus:
    pid, port, healthy = _pid(settings, name), _port(settings, name), _healthy(settings, name)
    if healthy:
        detail = f"healthy on port {port}" + ("" if pid else ", not started by luister")
    elif pid:
        detail = f"not answering on port {port} (yet); log {_log_file(settings, name)}"
    else:
        detail = "not running"
    return ServiceStatus(name, pid is not None or healthy, healthy, pid, detail)


def _healthy(settings: Settings, name: str) -> bool:
    if not _port_open(_port(settings, name)):  # cheap first: most probes while starting stop here
        return False
    return _kafka_healthy(settings) if name == "kafka" else _search_healthy(settings)


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1.0):
        return True
    return False


def _kafka_healthy(settings: Settings) -> bool:
    """A kafka-python metadata round trip lists an unfenced broker."""
    from kafka.admin import KafkaAdminClient  # here, not at the top: importing this module stays cheap

    admin = KafkaAdminClient.__new__(KafkaAdminClient)
    try:
        admin.__init__(bootstrap_servers=f"localhost:{settings.stack.kafka_port}",
                       bootstrap_timeout_ms=5000, request_timeout_ms=5000)
    except Exception:
        # kafka-python 3.0 starts its IO thread before bootstrapping and leaves it running
        # (reconnecting forever) when bootstrap fails: stop it, or every failed probe leaks one.
        with contextlib.suppress(Exception):
            admin._client.close()
        with contextlib.suppress(Exception):
            admin._net.stop()
        return False
    try:
        return any(not broker.get("is_fenced") for broker in admin.describe_cluster()["brokers"])
    except Exception:
        return False
    finally:
        admin.close()


def _search_request(settings: Settings, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.stack.search_port}{path}", method="GET" if body is None else "PUT",
        data=None if body is None else json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5.0) as response:
        return json.load(response)


def _search_healthy(settings: Settings) -> bool:
    """GET /_cluster/health says yellow or green (red while shards are still recovering)."""
    try:
        return _search_request(settings, "/_cluster/health").get("status") in ("green", "yellow")
    except (OSError, ValueError):
        return False


def _configure_search(settings: Settings, log: Log) -> None:
    """New indices get 0 replicas: on one node a replica is never assigned (cluster stays green).

    A persistent cluster setting (kept in the data directory): set as a node setting it is
    accepted but ignored, because index creation reads it from the cluster metadata.
    """
    try:
        _search_request(settings, "/_cluster/settings", {"persistent": {"cluster.default_number_of_replicas": 0}})
    except (OSError, ValueError) as exc:
        log(f"search: could not default new indices to 0 replicas ({exc}); they will be yellow")
