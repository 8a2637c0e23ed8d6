"""`ido run`: everything a developer needs in one process group; Ctrl-C stops all it started."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import date

from infra.bootstrap import container
from infra.demo import DEMO_PASSWORD, load_demo
from infra.embedded import ensure_servers
from infra.migrate import upgrade
from infra.settings import DEVELOPMENT, Settings


def run_all(port: int) -> int:
    # serve, worker and beat below skip the hosted checks: the development secret and passwords are fine here
    env = {**os.environ, DEVELOPMENT: "1"}
    embedded = ensure_servers(env)
    children: list[subprocess.Popen] = []
    try:
        settings = Settings.from_env(env)
        upgrade(settings)
        logins = asyncio.run(_demo(settings))
        base = [sys.executable, "-m", "services.cli.main"]
        for cmd in (["serve", "--port", str(port)], ["worker"], ["beat"]):
            children.append(subprocess.Popen(base + cmd, env=env))
        _print_welcome(port, logins)
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        failed = [c for c in children if c.poll() not in (None, 0)]
        return 1 if failed else 0
    except KeyboardInterrupt:
        return 0
    finally:
        for c in children:
            if c.poll() is None:
                c.send_signal(signal.SIGTERM)
        for c in children:
            try:
                c.wait(15)
            except subprocess.TimeoutExpired:
                c.kill()
        embedded.stop()
        print("\nIDO-registratie is gestopt.")


async def _demo(settings: Settings) -> list[tuple[str, str]]:
    async with container(settings, null_pool=True) as c:
        return await load_demo(c, date.today())


def _print_welcome(port: int, logins: list[tuple[str, str]]) -> None:
    lines = [
        "",
        "IDO-registratie draait als ontwikkelomgeving (geen controle op geheimen en wachtwoorden; niet voor hosting).",
        f"  Open: http://127.0.0.1:{port}/",
        f"  Demologins (wachtwoord voor allemaal: {DEMO_PASSWORD}):",
        *[f"    {role:15} {email}" for email, role in logins],
        "  Stoppen: Ctrl-C",
        "",
    ]
    print("\n".join(lines), flush=True)
