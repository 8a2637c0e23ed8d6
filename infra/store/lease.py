"""Plain asyncpg connections lent one at a time: the raw pool of `Database` (the command's transaction, the
single append, the user lookup). asyncpg's own pool costs about 17 µs of client CPU per acquire and release on
this machine, half of a one-row statement; a last-in-first-out list of idle connections costs 2 µs. What the pool
must still do, it does: at most `size` connections, callers beyond that wait in order, a connection the server
closed is replaced, one left in a transaction is rolled back before it is lent again (or dropped when that
fails), and a connection handed to a caller whose wait was cancelled goes back to the list."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import asyncpg


class Lease:
    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]], size: int) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self._connect = connect
        self._size = size
        self._open = 0  # connections made and not yet dropped: idle, lent, or being made
        self._idle: list[asyncpg.Connection] = []
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._closed = False

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await self.acquire()
        try:
            yield conn
        except BaseException as exc:
            if not isinstance(exc, Exception):
                # cancelled, perhaps in the middle of a statement: the connection may still be busy with it
                conn.terminate()
            await self.release(conn)
            raise
        await self.release(conn)

    async def acquire(self) -> asyncpg.Connection:
        while True:
            if self._closed:
                raise asyncpg.InterfaceError("the connection lease is closed")
            while self._idle:
                conn = self._idle.pop()
                if not conn.is_closed():
                    return conn
                self._open -= 1
            if self._open < self._size:
                self._open += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._open -= 1
                    self._hand_on(None)  # the slot is free again for whoever waits
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                conn = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    # handed over just as the wait was cancelled: hand it on
                    given = waiter.result()
                    if given is None:
                        self._hand_on(None)
                    else:
                        await self.release(given)
                else:
                    with suppress(ValueError):
                        self._waiters.remove(waiter)
                raise
            if conn is not None:
                return conn
            # None: a connection was dropped and its slot is free; make one

    async def release(self, conn: asyncpg.Connection) -> None:
        if not conn.is_closed() and conn.is_in_transaction():
            try:
                await conn.execute("ROLLBACK")
            except Exception:
                conn.terminate()
        if conn.is_closed() or self._closed:
            self._open -= 1
            if not conn.is_closed():
                await conn.close()
            self._hand_on(None)
            return
        self._hand_on(conn)

    def _hand_on(self, conn: asyncpg.Connection | None) -> None:
        """To the first caller still waiting; a connection nobody waits for goes to the idle list."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        if conn is not None:
            self._idle.append(conn)

    async def close(self) -> None:
        """Close the idle connections now and each lent one when it comes back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            self._open -= 1
            with suppress(Exception):
                await conn.close(timeout=5)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(asyncpg.InterfaceError("the connection lease is closed"))
