"""The embedded PostgreSQL of `make run` (and of the tests on a machine without one), started as root from a
checkout inside a 0700 directory: it answers, no directory above the checkout is opened to others, and stop()
ends it."""

from __future__ import annotations

import asyncio
import os
import shutil

import asyncpg
import pytest

from infra.store.embedded import ensure_servers, root_home
from tests.servers import plain_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="PostgreSQL runs as another account only for root"),
]


async def _select_one(url: str) -> int:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


def test_embedded_postgres_as_root_from_a_private_directory_opens_nothing(tmp_path):
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    var = private / "checkout" / "var"
    var.mkdir(parents=True)
    modes = {p: p.stat().st_mode for p in (var, *var.parents)}
    env = {"REDIS_URL": "redis://127.0.0.1:1/0"}  # set: only PostgreSQL is embedded
    home = root_home(var)
    try:
        emb = ensure_servers(env, var)
        try:
            assert asyncio.run(_select_one(env["DATABASE_URL"])) == 1
        finally:
            emb.stop()
        assert {p: p.stat().st_mode for p in modes} == modes
        assert not (home / "data" / "postmaster.pid").exists()
    finally:
        shutil.rmtree(home, ignore_errors=True)
