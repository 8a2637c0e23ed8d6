"""The web app's own work per desk registration, in one process, without a server or a network client: the
registrations go one after the other through the app's ASGI callable (as uvicorn would call it), so the process's
CPU time is the app's, and under callgrind its instruction count, which does not drift with the machine's speed.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python -m bench.desk_inproc --libraries 5 --warm 300 --requests 300

    # instructions of the measured registrations only (callgrind_control zeroes the counts before them and
    # dumps them after; the bench reads the dump's total):
    ... valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p \
        .venv/bin/python -m bench.desk_inproc --callgrind-out /tmp/cg.%p

A throwaway database (tests/servers.py) with --libraries libraries of one location and one desk user each
(bench.desk_load.create_bench_data), migrated; the app from services.api.app.create_app with its lifespan run in
this process; each desk logs in through httpx's ASGI transport. Then --warm registrations, then --requests
measured ones, round-robin over the libraries: POST /t/{slug}/balie/vragen as HTMX, each with a new key, so every
library's "Vandaag" grows by (warm + requests) / libraries questions. The Redis database is claimed as the test
runs claim theirs (bench.desk_load.claim_redis) and emptied of the bench's keys at the end. The app's log lines go to
a temporary file (named in the output). Beside the app's CPU it prints that of the database's PostgreSQL backends
over the same registrations (from /proc, when PostgreSQL runs on this machine): a change that moves work from the
app to the database shows there. With --profile FILE, cProfile's statistics of the measured registrations. The last
line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode
from uuid import uuid4

from bench.desk_load import (
    CSRF,
    LOCATION,
    PASSWORD,
    _proc_table,
    _title,
    _topics,
    claim_redis,
    create_bench_data,
    release_redis,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.desk_inproc", description=__doc__.split("\n\n")[0])
    p.add_argument("--libraries", type=int, default=5, help="libraries, one desk each (default 5)")
    p.add_argument(
        "--warm", type=int, default=300, help="registrations before the measured ones (default 300)"
    )
    p.add_argument("--requests", type=int, default=300, help="measured registrations (default 300)")
    p.add_argument(
        "--callgrind-out",
        metavar="PATTERN",
        help="running under valgrind --tool=callgrind with --callgrind-out-file=PATTERN: count the instructions "
        "of the measured registrations",
    )
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="write cProfile's statistics of the measured registrations to FILE (python -m pstats FILE reads them; "
        "the profiler slows the app down, so the figures printed are not comparable)",
    )
    args = p.parse_args(argv)
    if args.libraries < 1 or args.requests < 1 or args.warm < 0:
        p.error("--libraries and --requests must be positive, --warm not negative")
    return args


def _backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends of `database` on this machine (titles "postgres: 15/main: user
    database host ..."), by pid."""
    out = {}
    for pid, (comm, _, cpu) in _proc_table().items():
        if comm.startswith("postgres"):
            t = _title(pid)
            if len(t) >= 6 and t[0] == "postgres:" and t[3] == database:
                out[pid] = cpu
    return out


async def _run(
    args: argparse.Namespace, env: dict[str, str], database: str
) -> tuple[dict[str, float], list[str]]:
    import httpx

    from infra.settings import Settings
    from services.api.app import create_app

    app = create_app(Settings.from_env(env), settle_gc=True)  # as `ido serve` has it
    desks = await create_bench_data(Settings.from_env(env), args.libraries, args.libraries)
    lifespan: asyncio.Queue = asyncio.Queue()
    await lifespan.put({"type": "lifespan.startup"})
    started = asyncio.Event()

    async def lifespan_send(message: dict) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    running = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, lifespan.get, lifespan_send)
    )
    await started.wait()
    sessions = []
    for d in desks:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            page = await c.get("/login")
            token = CSRF.search(page.text)
            assert token, "no CSRF token on /login"
            await c.post(
                "/login", data={"email": d.email, "password": PASSWORD, "_csrf_token": token.group(1)}
            )
            page = await c.get(f"/t/{d.slug}/balie")
            token, loc = CSRF.search(page.text), LOCATION.search(page.text)
            assert page.status_code == 200 and token and loc, f"GET /t/{d.slug}/balie: {page.status_code}"
            cookies = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
            sessions.append((d.slug, token.group(1), loc.group(1), cookies.encode()))
    topics = _topics()

    async def register(i: int) -> None:
        slug, token, location, cookies = sessions[i % len(sessions)]
        party, topic = topics[i % len(topics)]
        form = {"_csrf_token": token, "key": str(uuid4()), "bezoek": str(uuid4()), "locatie": location}
        body = urlencode({**form, "partij": party, "onderwerp": topic, "hulp": "wegwijzer"}).encode()
        path = f"/t/{slug}/balie/vragen"
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(body)).encode()),
                (b"hx-request", b"true"),
                (b"origin", b"http://127.0.0.1"),
                (b"cookie", cookies),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status: list[int] = []

        async def receive() -> dict:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # the client stays: no disconnect
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        assert status == [200], f"POST {path}: {status}"

    for i in range(args.warm):
        await register(i)
    if args.callgrind_out:
        subprocess.run(["callgrind_control", "-z", str(os.getpid())], check=True, capture_output=True)
    profiler = cProfile.Profile() if args.profile else None
    pg0 = _backends_cpu(database)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for i in range(args.warm, args.warm + args.requests):
        await register(i)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    pg = sum(c - pg0.get(pid, 0.0) for pid, c in _backends_cpu(database).items())
    if args.callgrind_out:
        subprocess.run(
            ["callgrind_control", "-d", "measured", str(os.getpid())], check=True, capture_output=True
        )
    await lifespan.put({"type": "lifespan.shutdown"})
    await running
    tenants = [str(d.tenant_id) for d in desks]
    figures = {"cpu_ms": cpu, "wall_ms": wall, "postgres_cpu_ms": pg}
    return {k: 1e3 * v / args.requests for k, v in figures.items()}, tenants


def _instructions(pattern: str) -> int:
    """The instruction total of this process's first dump (callgrind_control -d): `pattern` is valgrind's
    --callgrind-out-file, and callgrind numbers a process's dumps .1, .2, …"""
    dump = Path(pattern.replace("%p", str(os.getpid())) + ".1")
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import uvloop

    from infra.settings import Settings
    from infra.store.migrate import upgrade
    from tests.servers import create_database, drop_database, settings_env

    env = dict(os.environ)
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        from infra.store.embedded import ensure_servers

        ensure_servers(env)
    admin = env["DATABASE_URL"]
    db = create_database(admin)
    env.update(settings_env(db, env["REDIS_URL"]))
    os.environ.update(env)  # the app's settings and the bench data read the environment
    claim, tenants = claim_redis(env["REDIS_URL"]), []
    log = Path(tempfile.mkstemp(prefix="desk_inproc_", suffix=".log")[1])
    try:
        upgrade(Settings.from_env(env))
        # the app's log lines (one per request, as the server writes them) go to a file, not between the figures
        with log.open("w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            figures, tenants = uvloop.run(_run(args, env, db.name))
    finally:
        release_redis(env["REDIS_URL"], claim, tenants)
        drop_database(admin, db)
    instructions = _instructions(args.callgrind_out) if args.callgrind_out else None
    per_library = (args.warm + args.requests) / args.libraries
    print(
        f"{args.requests} registrations after {args.warm}, {args.libraries} libraries ({per_library:.0f} a day "
        f"each); the app's log: {log}"
    )
    print(
        f"{'CPU ms/registration':>22} {'wall ms':>9} {'PostgreSQL CPU ms':>18} {'instructions/registration':>27}"
    )
    per = f"{instructions / args.requests:,.0f}" if instructions else "-"
    print(
        f"{figures['cpu_ms']:>22.3f} {figures['wall_ms']:>9.3f} {figures['postgres_cpu_ms']:>18.3f} {per:>27}"
    )
    result = {k: round(v, 3) for k, v in figures.items()}
    if instructions:
        result["instructions"] = round(instructions / args.requests)
    print(json.dumps({"libraries": args.libraries, "warm": args.warm, "requests": args.requests, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
