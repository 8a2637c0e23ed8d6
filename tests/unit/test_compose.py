"""The hosted shape: docker-compose.yml is valid and configures every service by environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_config_is_valid():
    r = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr


def test_compose_has_the_five_services_and_a_redis_broker_that_keeps_its_data():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"postgres", "redis", "api", "worker", "beat"} <= set(spec["services"])
    redis_cmd = " ".join(spec["services"]["redis"]["command"])
    assert "--maxmemory-policy noeviction" in redis_cmd and "--appendonly yes" in redis_cmd
    for name in ("api", "worker", "beat"):
        env = spec["services"][name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "DB_APP_ROLE", "SECRET_KEY"} <= set(env)
