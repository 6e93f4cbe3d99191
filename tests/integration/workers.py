"""Test helpers that run real worker processes against the shared local stack."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.settings import Settings


def env_for(settings: Settings) -> dict[str, str]:
    """Environment that makes a worker process use exactly these (test-unique) settings."""
    env = dict(os.environ)
    env.update({
        "LUISTER_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "LUISTER_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "LUISTER_SEARCH__URL": settings.search.url,
        "LUISTER_SEARCH__INDEX_PREFIX": settings.search.index_prefix,
        "LUISTER_WORKER__DATA_DIR": str(settings.worker.data_dir),
        "LUISTER_WORKER__SESSION_TIMEOUT_S": str(settings.worker.session_timeout_s),
        "LUISTER_WORKER__COMMIT_INTERVAL_S": str(settings.worker.commit_interval_s),
        "LUISTER_WORKER__METRICS_PORT": str(settings.worker.metrics_port),
        "LUISTER_INDEXER__RETRY_MAX_S": str(settings.indexer.retry_max_s),
        "LUISTER_CLASSIFY__ENABLED": str(settings.classify.enabled).lower(),
        "LUISTER_RELEVANCE__MONITORS_FILE": str(settings.relevance.monitors_file),
        "LUISTER_ALERTS__TICK_S": str(settings.alerts.tick_s),
        "LUISTER_NOTIFY__SLACK": json.dumps([url.get_secret_value() for url in settings.notify.slack]),
        "LUISTER_NOTIFY__WEBHOOKS": json.dumps([
            {"url": w.url.get_secret_value(), "secret": w.secret.get_secret_value()} for w in settings.notify.webhooks
        ]),
        "LUISTER_NOTIFY__RETRY_INITIAL_S": str(settings.notify.retry_initial_s),
        "LUISTER_NOTIFY__RETRY_MAX_S": str(settings.notify.retry_max_s),
        "LUISTER_NOTIFY__DRY_RUN": str(settings.notify.dry_run).lower(),
        "LUISTER_LOG_LEVEL": "info",
    })
    return env


class Worker:
    """One `luister worker ROLE` process; its output goes to a log file for post-mortems."""

    def __init__(self, settings: Settings, role: str, log_dir: Path) -> None:
        self.settings, self.role, self.log_dir = settings, role, log_dir
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.log_dir / f"{self.role}-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker", self.role],
            env=env_for(self.settings), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit, exactly like a crash."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        path = self.log_dir / f"{self.role}-{self.starts}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self) -> str:
        return self.log_text()[-3000:]


def free_port_pair() -> int:
    """A port p such that p and p + 1 are free on loopback now (one per worker role)."""
    import socket

    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two adjacent free ports")


def metric(port: int, name: str, **labels: str) -> float:
    """One sample from a worker's Prometheus endpoint (0 when absent)."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str, workers: list[Worker] = ()) -> None:
    """Poll predicate until true; on timeout fail with the workers' recent log lines."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        for w in workers:
            if w.proc is not None and not w.alive():
                raise AssertionError(f"worker {w.role} died while waiting for {what}:\n{w.log_tail()}")
        time.sleep(0.5)
    logs = "\n".join(f"--- {w.role} ---\n{w.log_tail()}" for w in workers)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}\n{logs}")
