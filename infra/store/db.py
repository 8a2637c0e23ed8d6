"""Engines and transactions: every tenant transaction sets app.tenant_id with SET LOCAL (fail closed). A database
that is down or restarting fails a request fast with sqlalchemy's OperationalError (503 + Retry-After on the web);
connections the server closed are replaced at checkout, so the process recovers by itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from sqlalchemy import event
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from infra.store.lease import Lease

# A projector or request holding a transaction open delays every feed reader (xid8 horizon): keep them short.
_SERVER_SETTINGS = {"idle_in_transaction_session_timeout": "10000", "statement_timeout": "60000"}
# asyncpg waits 60 s for a connection by default: a request would hang that long on an unreachable server
CONNECT_TIMEOUT = 5.0

# What a server that is down, starting up, shutting down or full looks like while connecting (or, on the raw
# pool, while a session is ended under a statement): transient, so the request is answered 503 and retried.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable; TimeoutError is one too
    asyncpg.PostgresConnectionError,  # 08xxx, ConnectionDoesNotExistError among them
    asyncpg.CannotConnectNowError,  # 57P03: starting up, shutting down
    asyncpg.AdminShutdownError,  # 57P01: ended by a fast shutdown
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
)

# ... and on the raw pool, a connection left in a state no statement can follow
BROKEN = (*UNAVAILABLE, asyncpg.exceptions.InternalClientError)


async def _connect(*args: object, **kw: object) -> asyncpg.Connection:
    """asyncpg.connect for SQLAlchemy, with the failures of UNAVAILABLE raised as the DB-API's OperationalError:
    SQLAlchemy raises them raw (OSError) or as a bare DBAPIError (57P03) otherwise, which the web answered 500."""
    try:
        return await asyncpg.connect(*args, **kw)  # type: ignore[arg-type]
    except UNAVAILABLE as exc:
        raise AsyncAdapt_asyncpg_dbapi.OperationalError(f"{type(exc).__name__}: {exc}", exc) from exc


def _replace_closed(dbapi_connection, connection_record, connection_proxy) -> None:
    """At checkout: a connection the server closed (a restart ends every session; asyncpg sees the socket close
    by itself) is replaced before the request uses it. A flag read, where pool_pre_ping costs three round trips."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("connection closed by the server")


def make_engine(url: str, *, pool_size: int = 10, null_pool: bool = False, name: str = "ido") -> AsyncEngine:
    connect_args = {
        "server_settings": {**_SERVER_SETTINGS, "application_name": name},
        "timeout": CONNECT_TIMEOUT,
        "async_creator_fn": _connect,
    }
    json = {"json_deserializer": msgspec.json.decode}
    if null_pool:
        return create_async_engine(url, poolclass=NullPool, connect_args=connect_args, **json)
    engine = create_async_engine(
        url,
        **json,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        # no pool_pre_ping (three round trips per checkout with asyncpg): _replace_closed drops connections the
        # server closed; one that dies in use fails its request (503 with Retry-After) and is replaced
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "checkout", _replace_closed)
    return engine


async def _connect_raw(url: str) -> asyncpg.Connection:
    """A connection of the raw pool. Nothing is set at session level (tenants are transaction-local), so a
    connection that comes back needs no RESET ALL; the lease rolls back a transaction left open."""
    return await asyncpg.connect(
        url,
        timeout=CONNECT_TIMEOUT,
        server_settings={**_SERVER_SETTINGS, "application_name": "ido-append"},
    )


# A connection of either kind: SQLAlchemy's, or a raw asyncpg one (the command's transaction, `raw_tenant`).
Conn = Any


async def fetch(conn: Conn, sql: str, *args: Any) -> Sequence[Any]:
    """The rows of `sql` (parameters $1, $2, …), read by column name, on a raw asyncpg connection or a
    SQLAlchemy one: a function that a command's transaction and a projection's both call is written once."""
    if isinstance(conn, AsyncConnection):
        return (await conn.exec_driver_sql(sql, args)).mappings().all()
    return await conn.fetch(sql, *args)


def begin_tenant(tenant_id: UUID) -> str:
    """BEGIN and the library for row-level security, as text for the simple query protocol, which takes several
    statements in one round trip (a raw connection's `execute` without arguments)."""
    tid = UUID(str(tenant_id))  # validated before it is put into SQL text
    return f"BEGIN; SET LOCAL app.tenant_id = '{tid}'"


@asynccontextmanager
async def savepoint(conn: Conn) -> AsyncIterator[None]:
    """A savepoint in `conn`'s transaction: an error inside rolls back only what was done inside."""
    if isinstance(conn, AsyncConnection):
        async with conn.begin_nested():
            yield
        return
    await conn.execute("SAVEPOINT sp")
    try:
        yield
    except BaseException:
        if not conn.is_closed():
            await conn.execute("ROLLBACK TO SAVEPOINT sp; RELEASE SAVEPOINT sp")
        raise
    await conn.execute("RELEASE SAVEPOINT sp")


class Database:
    """One engine and the two kinds of transaction the application uses, plus plain asyncpg connections (a
    lease) for the command's transaction, the one-round-trip append and the user lookup (SQLAlchemy's execution
    layer costs more than those statements themselves)."""

    def __init__(self, engine: AsyncEngine, pool_size: int = 10) -> None:
        self.engine = engine
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._lease = Lease(partial(_connect_raw, url), pool_size)

    @asynccontextmanager
    async def raw(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the raw pool (infra/store/lease.py: closed ones are replaced, an open transaction is
        rolled back). A database that is down, or a session it ends, raises OperationalError as the engine does,
        so callers and the web treat both alike."""
        try:
            async with self._lease() as conn:
                try:
                    yield conn
                except BROKEN:
                    # A session the server ended mid-statement is still "consuming the error" until asyncpg
                    # notices the closed socket; released as it is, the next caller would get it and fail with
                    # "another operation is in progress". Never hand it out again (if the pool has not already
                    # dropped it on the closed socket).
                    with suppress(asyncpg.InterfaceError):
                        conn.terminate()
                    raise
        except BROKEN as exc:
            raise OperationalError("raw pool", None, exc) from exc

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
    async def raw_tenant(self, tenant_id: UUID) -> AsyncIterator[asyncpg.Connection]:
        """As `tenant`, on the raw pool: a command's transaction (the unit of work) runs 8 statements, and asyncpg
        alone costs a quarter of the client CPU per statement that SQLAlchemy's execution layer adds. BEGIN and
        the tenant go in one round trip (the simple query protocol takes both). An error inside leaves the
        transaction open; the lease rolls it back when the connection comes back."""
        begin = begin_tenant(tenant_id)
        async with self.raw() as conn:
            await conn.execute(begin)
            yield conn
            await conn.execute("COMMIT")

    @asynccontextmanager
    async def within_raw(self, tenant_id: UUID, conn: Conn | None) -> AsyncIterator[Conn]:
        """`conn` (of either kind) when the caller has a tenant transaction open, else a new raw one."""
        if conn is not None:
            yield conn
        else:
            async with self.raw_tenant(tenant_id) as own:
                yield own

    @asynccontextmanager
    async def within(self, tenant_id: UUID, conn: AsyncConnection | None) -> AsyncIterator[AsyncConnection]:
        """`conn` when the caller has a tenant transaction open (several reads in one), else a new one."""
        if conn is not None:
            yield conn
        else:
            async with self.tenant(tenant_id) as own:
                yield own

    @asynccontextmanager
    async def tenant_or_platform(self, tenant_id: UUID | None) -> AsyncIterator[AsyncConnection]:
        """A library's transaction, or one without a library (for rows of a POI or the KB, which row-level security
        shows only there): tables that hold both, like invitations and quarterly mails."""
        if tenant_id is None:
            async with self.platform() as conn:
                yield conn
        else:
            async with self.tenant(tenant_id) as conn:
                yield conn

    @asynccontextmanager
    async def platform(self) -> AsyncIterator[AsyncConnection]:
        """A transaction without a tenant: platform tables only; tenant tables show no rows."""
        async with self.engine.begin() as conn:
            yield conn

    async def dispose(self) -> None:
        await self._lease.close()
        await self.engine.dispose()
