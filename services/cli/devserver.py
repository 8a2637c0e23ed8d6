"""`ido run`: everything a developer needs from one command; SIGINT, SIGTERM or SIGHUP stops all it started."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from infra.bootstrap import container
from infra.settings import DEVELOPMENT, Settings
from infra.store.embedded import Embedded, ensure_servers
from infra.store.migrate import upgrade
from services.demo import DEMO_PASSWORD, load_demo

# Python leaves SIGINT ignored when it starts so (a background job of a script), and SIGTERM and SIGHUP end the
# process without running any `finally`: each is made to raise KeyboardInterrupt instead (SIGHUP unless ignored
# on purpose, as under nohup).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Children:
    """The web server, worker and beat, each in a session of its own: a terminal's Ctrl-C reaches only `ido run`,
    which stops them all, each with its process group (a Celery worker's pool goes with it)."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.hurry = False

    def start(self, args: list[str], env: dict[str, str]) -> None:
        self.procs.append(subprocess.Popen(args, env=env, start_new_session=True))

    def running(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def failed(self) -> bool:
        return any(p.poll() not in (None, 0) for p in self.procs)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to each child, then SIGKILL to what is left of its group after `grace` seconds, or at once
        when another stop signal comes."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._hurry)
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + grace
        while not self.hurry and time.monotonic() < deadline and any(p.poll() is None for p in self.procs):
            time.sleep(0.05)
        for p in self.procs:
            try:  # the group outlives its leader while a member lives, so its id is not reused meanwhile
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()

    def _hurry(self, signum: int, frame: object) -> None:
        self.hurry = True


DEV_MAIL_PAGE = "/ontwikkeling/post"


def development_env(environ: Mapping[str, str], port: int) -> dict[str, str]:
    """The environment of the processes `ido run` starts: marked as development (no hosted checks: the
    development secret and passwords are fine here), links in e-mail to this port, and without SMTP_URL the
    outgoing mail kept under var/dev-mail and shown at /ontwikkeling/post. What the developer set wins."""
    env = {**environ, DEVELOPMENT: "1"}
    env.setdefault("BASE_URL", f"http://127.0.0.1:{port}")
    if not env.get("SMTP_URL"):
        folder = Path(env.get("IDO_VAR_DIR", "var")).resolve() / "dev-mail"
        env["SMTP_URL"] = f"file://{folder}"
    return env


def run_all(port: int) -> int:
    for sig in STOP_SIGNALS:
        if sig != signal.SIGHUP or signal.getsignal(sig) != signal.SIG_IGN:
            signal.signal(sig, signal.default_int_handler)
    env = development_env(os.environ, port)
    embedded, children = Embedded(), Children()
    try:
        embedded = ensure_servers(env)
        settings = Settings.from_env(env)
        upgrade(settings)
        logins = asyncio.run(_demo(settings))
        base = [sys.executable, "-m", "services.cli.main"]
        for cmd in (["serve", "--port", str(port)], ["worker"], ["beat"]):
            children.start(base + cmd, env)
        _print_welcome(port, logins, env)
        while children.running():
            time.sleep(0.5)
        return 1 if children.failed() else 0
    except KeyboardInterrupt:
        return 0
    finally:
        children.stop()
        embedded.stop()
        print("\nIDO-registratie is gestopt.", flush=True)


async def _demo(settings: Settings) -> list[tuple[str, str]]:
    async with container(settings, null_pool=True) as c:
        return await load_demo(c)


def _print_welcome(port: int, logins: list[tuple[str, str]], env: Mapping[str, str]) -> None:
    smtp = env.get("SMTP_URL", "")
    mail = (
        f"  E-mail: niet verstuurd maar bewaard; lees ze op http://127.0.0.1:{port}{DEV_MAIL_PAGE}"
        if smtp.startswith("file://")
        else f"  E-mail: via {smtp.split('@')[-1]}"
    )
    lines = [
        "",
        "IDO-registratie draait als ontwikkelomgeving (geen controle op geheimen en wachtwoorden; niet voor hosting).",
        f"  Open: http://127.0.0.1:{port}/",
        f"  Demologins (wachtwoord voor allemaal: {DEMO_PASSWORD}):",
        *[f"    {role:15} {email}" for email, role in logins],
        mail,
        "  Stoppen: Ctrl-C",
        "",
    ]
    print("\n".join(lines), flush=True)
