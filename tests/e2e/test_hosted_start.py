"""The hosted processes (`ido serve`, `ido worker`, `ido beat`) refuse to start with a known secret, default
database passwords or a fixed clock: one line, exit 2, at once, and nothing listening. `ido run` (development)
marks its own processes with IDO_DEVELOPMENT and is not checked."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy.engine import make_url

from tests.e2e.browser import start_server
from tests.e2e.processes import Proc, free_port, healthy, wait_for
from tests.e2e.test_cli import Result, assert_refused
from tests.servers import create_database, drop_database, settings_env

# what a hosted installation must set itself (and what must not be set there)
HOSTED = (
    "SECRET_KEY",
    "DB_APP_PASSWORD",
    "DB_READER_PASSWORD",
    "IDO_DEVELOPMENT",
    "IDO_FIXED_NOW",
    "PASSWORD_HASH_PROFILE",
)
QUICKLY = 15.0  # seconds: starting Python and importing the CLI, no waiting on any server


def _without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start(env: dict[str, str], command: str) -> tuple[Result, float, bool]:
    """Run `ido COMMAND` until it exits (at most QUICKLY s); answer its result, how long it ran and whether
    anything answered on its port meanwhile."""
    port = free_port()
    args = [command, "--port", str(port)] if command == "serve" else [command]
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    listened = False
    try:
        while proc.poll() is None and time.monotonic() - began < QUICKLY:
            listened = listened or _listens(port)
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate(timeout=30)
    return Result(proc.returncode, out, err), time.monotonic() - began, listened or _listens(port)


@pytest.mark.parametrize("command", ["serve", "worker", "beat"])
def test_a_hosted_process_with_the_default_secret_and_passwords_refuses_to_start(env, command):
    r, seconds, listened = start(_without(env, *HOSTED), command)
    line = assert_refused(r)
    assert line.startswith(f"ido: {command} start niet: "), line
    for var in ("SECRET_KEY", "DB_APP_PASSWORD", "DB_READER_PASSWORD"):
        assert f"zet {var} op" in line, line
    assert seconds < QUICKLY and not listened


def _url_with_password_of_its_user(url: str) -> str:
    u = make_url(url)
    return u.set(password=u.username).render_as_string(hide_password=False)


PLACEHOLDER = "change-me-to-64-random-characters"  # what docker-compose.yml fell back to
ONE_WRONG = {  # a change to a proper environment, and what the refusal says
    "placeholder-secret": (
        lambda e: {"SECRET_KEY": PLACEHOLDER},
        "SECRET_KEY is niet gezet of een voorbeeldwaarde",
    ),
    "short-secret": (
        lambda e: {"SECRET_KEY": "kort-maar-geheim-31-tekens-lang"},
        "SECRET_KEY is korter dan 32",
    ),
    "app-password": (lambda e: {"DB_APP_PASSWORD": "ido_app"}, "zet DB_APP_PASSWORD op een eigen wachtwoord"),
    "reader-password": (
        lambda e: {"DB_READER_PASSWORD": e["DB_READER_ROLE"]},
        "zet DB_READER_PASSWORD op een eigen wachtwoord",
    ),
    "owner-password": (
        lambda e: {"DATABASE_URL": _url_with_password_of_its_user(e["DATABASE_URL"])},
        "het wachtwoord in DATABASE_URL is de gebruikersnaam",
    ),
    "fixed-now": (
        lambda e: {"IDO_FIXED_NOW": "2026-12-06T10:00:00+01:00"},
        "IDO_FIXED_NOW is alleen voor tests",
    ),
    "no-servers": (lambda e: {"DATABASE_URL": "", "REDIS_URL": ""}, "DATABASE_URL en REDIS_URL ontbreekt"),
    "development-mail": (
        lambda e: {"SMTP_URL": "file:///tmp/post"},
        "SMTP_URL met file:// bewaart de e-mail",
    ),
}


@pytest.mark.parametrize(("change", "says"), ONE_WRONG.values(), ids=ONE_WRONG.keys())
def test_serve_names_the_one_variable_to_set(env, change, says):
    base = _without(env, "IDO_DEVELOPMENT", "IDO_FIXED_NOW", "PASSWORD_HASH_PROFILE")
    r, seconds, listened = start({**base, **change(base)}, "serve")
    line = assert_refused(r)
    assert says in line and line.count("(zet ") + line.count("(haal ") <= 1, line
    assert seconds < QUICKLY and not listened


def test_serve_with_its_own_secret_and_passwords_starts(env, settings, tmp_path):
    server = start_server(
        _without(env, "IDO_DEVELOPMENT", "IDO_FIXED_NOW", "PASSWORD_HASH_PROFILE"), tmp_path / "serve.log"
    )
    try:
        server.wait_until_ready()
    finally:
        server.stop()


def test_serve_in_development_starts_with_the_development_secret(env, settings, tmp_path):
    server = start_server({**_without(env, "SECRET_KEY"), "IDO_DEVELOPMENT": "1"}, tmp_path / "serve.log")
    try:
        server.wait_until_ready()
    finally:
        server.stop()


def test_ido_run_is_development_and_starts_everything_without_a_secret(servers, private_redis, tmp_path):
    """`ido run` marks its own serve, worker and beat as development: none of them refuses the default secret."""
    db = create_database(servers.admin_url)
    try:
        env = {
            **_without(dict(os.environ), *HOSTED),
            **_without(settings_env(db, private_redis.url), "SECRET_KEY"),
            "IDO_VAR_DIR": str(tmp_path),
        }
        port = free_port()
        run = Proc(["run", "--port", str(port)], env, tmp_path / "run.log")
        try:
            wait_for(
                lambda: healthy(f"http://127.0.0.1:{port}") or run.proc.poll() is not None,
                180,
                "ido run did not answer",
            )
            wait_for(lambda: "ready." in run.output() or run.proc.poll() is not None, 60, "no Celery worker")
            wait_for(lambda: "beat: Starting" in run.output() or run.proc.poll() is not None, 60, "no beat")
            assert run.proc.poll() is None, run.output()
            assert "ontwikkelomgeving" in run.output() and "start niet" not in run.output()
            # no mail server: the mail is kept and shown on a page of its own, its link on this port (issue 18)
            assert f"http://127.0.0.1:{port}/ontwikkeling/post" in run.output()
            _invite_someone(port)
            wait_for(lambda: "/uitnodiging/" in _dev_mail(port), 30, "no mail on the development page")
            assert f'<a href="http://127.0.0.1:{port}/uitnodiging/' in _dev_mail(port)
        finally:
            run.stop()
    finally:
        drop_database(servers.admin_url, db)


def _invite_someone(port: int) -> None:
    """The demo coordinator invites a desk member (over HTTP, as a browser would)."""
    import httpx

    from services.demo import DEMO_PASSWORD

    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        page = client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        login = {"email": "coordinator@bieb-noord.example", "password": DEMO_PASSWORD, "_csrf_token": token}
        r = client.post("/login", data=login)
        assert r.status_code == 303, r.text
        slug = r.headers["location"].split("/")[2]
        users = client.get(f"/t/{slug}/gebruikers/")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', users.text).group(1)
        data = {"email": "nieuw@bieb-noord.example", "role": "desk", "_csrf_token": token}
        r = client.post(f"/t/{slug}/gebruikers/uitnodigen", data=data)
        assert r.status_code == 303, r.text


def _dev_mail(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ontwikkeling/post", timeout=5) as r:
        return r.read().decode()
