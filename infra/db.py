"""Engines and transactions: every tenant transaction sets app.tenant_id with SET LOCAL (fail closed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# A projector or request holding a transaction open delays every feed reader (xid8 horizon): keep them short.
_SERVER_SETTINGS = {"idle_in_transaction_session_timeout": "10000", "statement_timeout": "60000"}


def make_engine(url: str, *, pool_size: int = 10, null_pool: bool = False, name: str = "ido") -> AsyncEngine:
    connect_args = {"server_settings": {**_SERVER_SETTINGS, "application_name": name}}
    if null_pool:
        return create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


class Database:
    """One engine and the two kinds of transaction the application uses."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    def connect(cls, url: str, **kw: object) -> Database:
        return cls(make_engine(url, **kw))  # type: ignore[arg-type]

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
        await self.engine.dispose()
