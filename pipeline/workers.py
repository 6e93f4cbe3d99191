"""Run worker roles: one process per role, supervised; or detached for `luister run`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.app import ROLES
from pipeline.settings import Settings


def _pid_file(settings: Settings) -> Path:
    return settings.stack.home / "workers.pid"


def _log_file(settings: Settings) -> Path:
    return settings.stack.home / "logs" / "workers.log"


def role_command(role: str) -> list[str]:
    """The command line that runs one worker role in this Python environment."""
    return [sys.executable, "-m", "pipeline.cli", "worker", role]


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the supervisor dies, even by SIGKILL."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def supervise(roles: tuple[str, ...] = ROLES) -> int:
    """Run each role in its own process (its own faust app and consumer group)
    until one exits or we are told to stop; then stop the rest. Returns an exit code."""
    preexec = _die_with_parent if sys.platform == "linux" else None
    children = [subprocess.Popen(role_command(role), preexec_fn=preexec) for role in roles]

    def stop(_signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop(0, None)
        deadline = time.monotonic() + 30
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)


def running_pid(settings: Settings) -> int | None:
    """The pid of the detached workers, if they are running."""
    try:
        pid = int(_pid_file(settings).read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def start_detached(settings: Settings) -> int:
    """Start `luister worker all` in the background (outliving this command); returns its pid."""
    pid = running_pid(settings)
    if pid is not None:
        return pid
    _log_file(settings).parent.mkdir(parents=True, exist_ok=True)
    with _log_file(settings).open("ab") as log:
        proc = subprocess.Popen(
            role_command("all"), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _pid_file(settings).write_text(str(proc.pid))
    return proc.pid


def stop_detached(settings: Settings, timeout_s: float = 40.0) -> bool:
    """Stop the detached workers (SIGTERM, then SIGKILL after timeout_s). Returns whether any ran."""
    pid = running_pid(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.3)
    else:
        os.killpg(pid, signal.SIGKILL)
    _pid_file(settings).unlink(missing_ok=True)
    return True


def log_path(settings: Settings) -> Path:
    """Where the detached workers write their log."""
    return _log_file(settings)
