"""`ido run` without a terminal: SIGTERM and SIGINT stop it and everything it started, also when it inherited
SIGINT ignored (a background job of a shell without job control)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.processes import free_port, healthy, wait_for

STOP_WITHIN = 10  # seconds from the signal to the exit of `ido run`
# the web server, the worker, beat and the worker's pool of two
TREE = 5


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux: /proc/<pid>/task/<tid>/children, recursively)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for children in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            try:
                kids = {int(x) for x in children.read_text().split()}
            except OSError:  # the process has just exited
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    """Running, not merely a zombie that no parent has reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _ignore_sigint() -> None:  # what a shell without job control does to a background job
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(env: dict[str, str], tmp_path: Path, port: int, ignore_sigint: bool) -> subprocess.Popen:
    with open(tmp_path / "run.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "run", "--port", str(port)],
            env={**env, "IDO_VAR_DIR": str(tmp_path)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_ignore_sigint if ignore_sigint else None,  # the test starts no threads
        )


def _kill_all(proc: subprocess.Popen, pids: set[int]) -> None:
    """Whatever a failing run left behind (its own group, and children in groups of their own)."""
    for pid in (proc.pid, *pids):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait(10)


@pytest.mark.parametrize(
    "sig,ignore_sigint",
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigterm", "sigint-to-a-background-job"],
)
def test_ido_run_stops_everything_it_started(env, settings, tmp_path, sig, ignore_sigint):
    port = free_port()
    proc = _start(env, tmp_path, port, ignore_sigint)
    children: set[int] = set()
    try:
        wait_for(
            lambda: (
                proc.poll() is not None
                or (healthy(f"http://127.0.0.1:{port}") and len(descendants(proc.pid)) >= TREE)
            ),
            120,
            "ido run did not start the web server, worker and beat",
            interval=0.2,
        )
        assert proc.poll() is None, (tmp_path / "run.log").read_text(errors="replace")
        children = descendants(proc.pid)
        proc.send_signal(sig)  # to `ido run` alone, as `kill` or a terminal's Ctrl-C would
        try:
            code = proc.wait(STOP_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"ido run did not stop within {STOP_WITHIN} s of {sig.name}")
        time.sleep(0.2)  # a SIGKILL is delivered at once, but the kernel may take a moment to end a process
        assert [pid for pid in children if alive(pid)] == [], f"left running after {sig.name}"
        assert code == 0, (tmp_path / "run.log").read_text(errors="replace")
        assert not healthy(f"http://127.0.0.1:{port}")
    finally:
        _kill_all(proc, children)
