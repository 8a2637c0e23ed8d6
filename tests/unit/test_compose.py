"""The hosted shape: docker-compose.yml is valid and configures every service by environment."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# What an installation must set itself: no default, so no known secret or password (and no made-up mail service)
REQUIRED = {
    "POSTGRES_PASSWORD": "Eigen-Wachtwoord-Owner-1",
    "DB_APP_PASSWORD": "Eigen-Wachtwoord-App-1",
    "DB_READER_PASSWORD": "Eigen-Wachtwoord-Reader-1",
    "SECRET_KEY": "x7Tq0pZ3vLr8Nw2Ks5Yh9Bd4Gf6Jm1QcUe",
    "BASE_URL": "https://ido.example.nl",
    "SMTP_URL": "smtp+starttls://ido:geheim@relay.example.nl:587",
}


def _config(**env: str) -> subprocess.CompletedProcess:
    """`docker-compose config` with exactly these of the required variables (none from the caller's environment)."""
    base = {k: v for k, v in os.environ.items() if k not in REQUIRED and k != "COOKIE_SECURE"}
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        check=False,
        env={**base, **env},
    )


def test_docker_compose_config_is_valid():
    r = _config(**REQUIRED)
    assert r.returncode == 0, r.stderr
    spec = yaml.safe_load(r.stdout)
    api = spec["services"]["api"]["environment"]
    assert api["SECRET_KEY"] == REQUIRED["SECRET_KEY"] and api["SMTP_URL"] == REQUIRED["SMTP_URL"]
    assert api["DATABASE_URL"] == "postgresql://ido_owner:Eigen-Wachtwoord-Owner-1@postgres:5432/ido"
    assert spec["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == REQUIRED["POSTGRES_PASSWORD"]
    assert api["COOKIE_SECURE"] == ""  # unset: secure cookies follow the https BASE_URL


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_docker_compose_refuses_to_start_without_a_required_variable_and_names_it(missing):
    r = _config(**{k: v for k, v in REQUIRED.items() if k != missing})
    assert r.returncode != 0
    assert f"set {missing}" in r.stderr, r.stderr


def test_docker_compose_has_no_default_for_a_secret_and_no_undefined_mail_service():
    text = (ROOT / "docker-compose.yml").read_text()
    for var in REQUIRED:
        assert f"${{{var}:?" in text and not re.search(rf"\$\{{{var}:?-", text), var
    assert "change-me" not in text and "mail" not in yaml.safe_load(text)["services"]


def test_compose_has_the_five_services_and_a_redis_broker_that_keeps_its_data():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"postgres", "redis", "api", "worker", "beat"} <= set(spec["services"])
    redis_cmd = " ".join(spec["services"]["redis"]["command"])
    assert "--maxmemory-policy noeviction" in redis_cmd and "--appendonly yes" in redis_cmd
    for name in ("api", "worker", "beat"):
        env = spec["services"][name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "DB_APP_ROLE", "SECRET_KEY"} <= set(env)
