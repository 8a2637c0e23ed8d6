"""Engines and transactions: every tenant transaction sets app.tenant_id with SET LOCAL (fail closed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg
import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# A projector or request holding a transaction open delays every feed reader (xid8 horizon): keep them short.
_SERVER_SETTINGS = {"idle_in_transaction_session_timeout": "10000", "statement_timeout": "60000"}


def make_engine(url: str, *, pool_size: int = 10, null_pool: bool = False, name: str = "ido") -> AsyncEngine:
    connect_args = {"server_settings": {**_SERVER_SETTINGS, "application_name": name}}
    json = {"json_deserializer": msgspec.json.decode}
    if null_pool:
        return create_async_engine(url, poolclass=NullPool, connect_args=connect_args, **json)
    return create_async_engine(
        url,
        **json,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        # no pool_pre_ping: with asyncpg it costs three round trips on every checkout; a connection broken by
        # a database restart fails its request (503 with Retry-After) and is replaced
        connect_args=connect_args,
    )


async def _no_reset(conn: asyncpg.Connection) -> None:
    """Nothing is set at session level (tenants are transaction-local), so a returned connection needs no reset."""


class Database:
    """One engine and the two kinds of transaction the application uses, plus a plain asyncpg pool for the
    one-round-trip append (SQLAlchemy's execution layer costs more than the INSERT itself)."""

    def __init__(self, engine: AsyncEngine, pool_size: int = 10) -> None:
        self.engine = engine
        self.pool_size = pool_size
        self._apg: asyncpg.Pool | None = None
        self._apg_lock = asyncio.Lock()

    async def raw_pool(self) -> asyncpg.Pool:
        if self._apg is None:
            async with self._apg_lock:
                if self._apg is None:
                    u = self.engine.url.set(drivername="postgresql")
                    self._apg = await asyncpg.create_pool(
                        u.render_as_string(hide_password=False),
                        min_size=1,
                        max_size=self.pool_size,
                        reset=_no_reset,
                        server_settings={**_SERVER_SETTINGS, "application_name": "ido-append"},
                    )
        return self._apg

    @classmethod
    def connect(cls, url: str, **kw: object) -> Database:
        size = int(kw.get("pool_size", 10))  # type: ignore[call-overload]
        return cls(make_engine(url, **kw), size)  # type: ignore[arg-type]

    @asynccontextmanager
    async def tenant(self, tenant_id: UUID) -> AsyncIterator[AsyncConnection]:
        """A transaction that sees and writes only `tenant_id`'s rows (row-level security)."""
        tid = UUID(str(tenant_id))  # validated before it is put into SQL text
        async with self.engine.begin() as conn:
            await conn.exec_driver_sql(f"SET LOCAL app.tenant_id = '{tid}'")
            yield conn

    @asynccontextmanager
    async def platform(self) -> AsyncIterator[AsyncConnection]:
        """A transaction without a tenant: platform tables only; tenant tables show no rows."""
        async with self.engine.begin() as conn:
            yield conn

    async def dispose(self) -> None:
        if self._apg is not None:
            await self._apg.close()
            self._apg = None
        await self.engine.dispose()
