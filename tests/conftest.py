"""Session fixtures: one fresh database (migrated, with its own roles) and one Redis database per run."""

from __future__ import annotations

import os
import random

import pytest
import redis as redis_lib

from infra.clock import FixedClock
from infra.settings import Settings
from tests.clock import NOW
from tests.servers import create_database, drop_database, find_servers, settings_env

# The test files that take longest, longest first (per-file times from `pytest --junitxml`, 2026-12-06). With
# `--dist loadfile --no-loadscope-reorder` (the Makefile) the test processes take the files in this order, and the
# many short files fill in behind them, so no process ends the run alone with a long browser file. xdist's own
# reorder (by the number of tests in a file) put the reflow files, with two tests each, last.
LONGEST_FIRST = (
    "test_reflow_library_browser.py",
    "test_reflow_browser.py",
    "test_faults.py",
    "test_offline_browser.py",
    "test_planning_browser.py",
    "test_cli.py",
    "test_report_bundle.py",
    "test_onboarding_browser.py",
    "test_workers.py",
    "test_api_reference_browser.py",
    "test_accounts_browser.py",
    "test_api_fuzz.py",
    "test_browser.py",
    "test_survey_browser.py",
    "test_hosted_start.py",
    "test_import.py",
    "test_cli_run.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(
        key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST))
    )  # stable: a file keeps its order


@pytest.fixture(scope="session")
def clock() -> FixedClock:
    """The clock of every container and app the tests build in-process (processes get IDO_FIXED_NOW)."""
    return FixedClock(NOW)


@pytest.fixture(autouse=True)
def _clock_at_start(clock):
    """Each test starts at NOW; a test that needs another instant sets it (clock.set) and it is undone here."""
    clock.set(NOW)
    yield
    clock.set(NOW)


@pytest.fixture(scope="session")
def servers():
    s = find_servers()
    yield s
    s.embedded.stop()


@pytest.fixture(scope="session")
def test_db(servers):
    db = create_database(servers.admin_url)
    yield db
    drop_database(servers.admin_url, db)


@pytest.fixture(scope="session")
def redis_url(servers):
    """A Redis database number of its own (claimed with a lock key, so parallel runs do not share one),
    emptied before and after the run."""
    base = servers.redis_base
    token = f"{os.getpid()}-{random.random()}"
    for db in random.sample(range(1, 16), 15):
        url = f"{base}?db={db}" if base.startswith("unix://") else f"{base}/{db}"
        client = redis_lib.Redis.from_url(url)
        if client.set("ido:test-run-lock", token, nx=True, ex=6 * 3600):
            break
        client.close()
    else:
        raise RuntimeError("every Redis database 1-15 is in use by another test run")
    for key in client.scan_iter():
        if key != b"ido:test-run-lock":
            client.delete(key)
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def env(test_db, redis_url) -> dict[str, str]:
    """The environment a process of ours gets in this run (CLI, web server, worker)."""
    return {
        **os.environ,
        **settings_env(test_db, redis_url),
        "IDO_VAR_DIR": str(_var_dir()),
        "IDO_FIXED_NOW": NOW.isoformat(),
    }


def _var_dir():
    from tests.servers import ROOT

    d = ROOT / "var" / "test-run"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session")
def settings(env) -> Settings:
    from infra.store.migrate import upgrade

    s = Settings.from_env(env)
    upgrade(s)
    return s
