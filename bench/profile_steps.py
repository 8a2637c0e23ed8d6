"""Where the server's CPU per request goes, from a py-spy raw profile of `bench.desk_load --profile FILE.txt`.

    .venv/bin/python -m bench.profile_steps FILE.txt [REQUESTS CPU_MS_PER_REQUEST]

Each sample of a server thread goes to the innermost step on its stack (STEPS: function names of the request's
path), and once more to the innermost library (LIBRARIES). Left out and counted apart: samples whose innermost
frame is the event loop's own C code (uvloop: epoll, socket reads and writes, asyncpg's protocol), which py-spy
--nonblocking cannot tell from idle waiting, and thread-pool threads waiting for work. With REQUESTS and the run's
server CPU ms per request, each step's share is also shown as an estimate in ms per request."""

from __future__ import annotations

import sys
from collections import Counter

STEPS = [  # (marker in a frame's name, step), checked from the innermost frame outwards
    ("Waker.", "wake-up: Redis SET NX, Celery publish in a thread"),
    ("CeleryTaskQueue.send", "wake-up: Redis SET NX, Celery publish in a thread"),
    ("SessionStore.get", "session lookup (Redis)"),
    ("Accounts.user_and_tenant", "user + library lookup (one round trip)"),
    ("Accounts._user", "user lookup"),
    ("Accounts._tenant", "library lookup"),
    ("library.<locals>.scope", "tenant check, other"),
    ("DeskQueries.page", "the answer partial's page reads"),
    ("Bus.handle", "the command's transaction"),
    ("Request.form", "form parsing"),
    ("to_response", "Jinja: the partial and the response"),
    ("Template.to_asgi_response", "Jinja: the partial and the response"),
    ("DeskController.", "the controller (command building)"),
    ("log_request", "request log line (structlog)"),
    ("add_security_headers", "security headers"),
    ("Prometheus", "Prometheus"),
    ("CSRFMiddleware", "CSRF, Litestar routing and dependencies"),
    ("authentication.<locals>", "authentication middleware, other"),
    ("same_origin", "same-origin check"),
    ("request_context", "request id"),
    ("Litestar.__call__", "Litestar, outer"),
    ("uvicorn", "uvicorn, httptools, the event loop in Python"),
]
LIBRARIES = [
    ("jinja2/", "jinja2"),
    ("markupsafe", "jinja2"),
    ("sqlalchemy/", "sqlalchemy"),
    ("asyncpg/", "asyncpg"),
    ("redis/", "redis-py"),
    ("kombu/", "celery/kombu"),
    ("celery/", "celery/kombu"),
    ("structlog/", "structlog"),
    ("prometheus", "prometheus"),
    ("msgspec", "msgspec"),
    ("litestar/", "litestar"),
    ("uvicorn/", "uvicorn"),
    ("services/", "app"),
    ("infra/", "app"),
    ("domain/", "app"),
    ("application/", "app"),
]
WAITING = ("concurrent/futures/thread.py:81", "Condition.wait", "multiprocessing/connection.py")


def innermost(frames: list[str], markers: list[tuple[str, str]], default: str) -> str:
    for f in reversed(frames):
        for marker, name in markers:
            if marker in f:
                return name
    return default


def main(argv: list[str]) -> int:
    steps: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    total = loop = 0
    with open(argv[0]) as raw:
        for line in raw:
            stack, _, count = line.rstrip().rpartition(" ")
            n, frames = int(count), stack.split(";")
            if not any("uvicorn" in f or "Thread" in f for f in frames) or any(
                w in frames[-1] for w in WAITING
            ):
                continue
            if frames[-1].startswith(("Runner.run (asyncio/runners.py", "Multiprocess.run")) or (
                "Process.always_pong" in stack
            ):
                loop += n
                continue
            total += n
            steps[innermost(frames, STEPS, "other (event loop, threads)")] += n
            libraries[innermost(frames, LIBRARIES, "python, asyncio, other")] += n
    requests, cpu_ms = (float(argv[1]), float(argv[2])) if len(argv) > 2 else (None, None)
    print(
        f"samples {total}, and {loop} ({loop / (total + loop) * 100:.0f} %) in the event loop's C code, left out"
    )
    if requests:
        print(f"samples per request {total / requests:.2f}")
    for title, counts in (("step", steps), ("innermost library", libraries)):
        print(f"-- by {title}")
        for name, n in counts.most_common():
            ms = f"  ~{n / total * cpu_ms:.2f} ms/request" if cpu_ms else ""
            print(f"{n / total * 100:5.1f} %  {name}{ms}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
