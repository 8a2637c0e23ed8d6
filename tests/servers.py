"""Servers for the test run: the machine's PostgreSQL and Redis when they answer, else embedded ones; a fresh
database with its own owner, app and reader roles per run, dropped afterwards."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class TestServers:
    admin_url: str  # superuser on the maintenance database
    redis_base: str
    embedded: object | None


def find_servers() -> TestServers:
    from infra.store.embedded import Embedded, start_postgres, start_redis

    emb = Embedded()
    # each pytest-xdist process starts embedded servers of its own, in a directory of its own
    var = ROOT / "var" / "test" / os.environ.get("PYTEST_XDIST_WORKER", "main")
    if os.environ.get("TEST_DATABASE_URL"):
        admin = os.environ["TEST_DATABASE_URL"]
    elif _answers("127.0.0.1", 5432):
        admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    else:
        admin = start_postgres(var, emb)
    if os.environ.get("TEST_REDIS_URL"):
        redis = os.environ["TEST_REDIS_URL"]
    elif _answers("127.0.0.1", 6379):
        redis = "redis://127.0.0.1:6379"
    else:
        redis = start_redis(var, emb)
    return TestServers(admin, redis, emb)


@dataclass
class TestDatabase:
    name: str
    owner: str
    app_role: str
    reader_role: str
    owner_url: str
    # random, like a hosted installation's: `ido serve`/`worker`/`beat` refuse default ones (infra.settings)
    app_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    reader_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))


def create_database(admin_url: str) -> TestDatabase:
    import asyncio

    import asyncpg

    name = f"ido_t_{secrets.token_hex(4)}"
    owner_password = secrets.token_urlsafe(18)
    db = TestDatabase(
        name,
        f"{name}_owner",
        f"{name}_app",
        f"{name}_reader",
        make_url(admin_url)
        .set(database=name, username=f"{name}_owner", password=owner_password)
        .render_as_string(hide_password=False),
    )

    async def go() -> None:
        conn = await asyncpg.connect(plain_url(admin_url))
        try:
            await conn.execute(f"CREATE ROLE {db.owner} LOGIN PASSWORD '{owner_password}' CREATEROLE")
            await conn.execute(f"CREATE DATABASE {db.name} OWNER {db.owner}")
        finally:
            await conn.close()

    asyncio.run(go())
    return db


def drop_database(admin_url: str, db: TestDatabase) -> None:
    import asyncio

    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(plain_url(admin_url))
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {db.name} WITH (FORCE)")
            for role in (db.app_role, db.reader_role, db.owner):
                await conn.execute(f"DROP ROLE IF EXISTS {role}")
        finally:
            await conn.close()

    asyncio.run(go())


def plain_url(url: str, database: str | None = None) -> str:
    """The URL as asyncpg.connect wants it (no +asyncpg driver suffix), optionally for another database."""
    u = make_url(url).set(drivername="postgresql")
    if database:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


def is_superuser(url: str) -> bool:
    """Whether the role of `url` may create databases and roles (the benches make throwaway ones)."""
    import asyncio

    import asyncpg

    async def go() -> bool:
        conn = await asyncpg.connect(plain_url(url))
        try:
            return bool(await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        finally:
            await conn.close()

    return asyncio.run(go())


def settings_env(db: TestDatabase, redis_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": db.owner_url,
        "REDIS_URL": redis_url,
        "DB_APP_ROLE": db.app_role,
        "DB_APP_PASSWORD": db.app_password,
        "DB_READER_ROLE": db.reader_role,
        "DB_READER_PASSWORD": db.reader_password,
        "SECRET_KEY": secrets.token_hex(32),
        # argon2 at production parameters costs ~0.13 s a hash, paid for every user made and every login
        "PASSWORD_HASH_PROFILE": "test",
        # cheap hashes (and the suite's fixed clock) are for tests only: the processes skip the hosted checks
        # (tests/e2e/test_hosted_start.py takes this away to test them)
        "IDO_DEVELOPMENT": "1",
    }
