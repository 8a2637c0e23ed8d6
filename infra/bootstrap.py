"""Composition root: wires settings to databases, the event store, accounts and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from domain.ports import Clock
from infra.clock import clock_for
from infra.platform.accounts import Accounts
from infra.platform.passwords import Passwords
from infra.settings import Settings
from infra.store.codec import Codec, default_codec
from infra.store.db import Database
from infra.store.event_store import PostgresEventStore


@dataclass
class Container:
    settings: Settings
    db: Database  # app role: tenant-bound by RLS
    reader: Database  # reader role: cross-tenant SELECT for POI/KB views and sweeps
    codec: Codec
    events: PostgresEventStore
    accounts: Accounts
    clock: Clock  # every domain "now" of this process: the system clock unless the settings fix one
    passwords: Passwords  # at the parameters of settings.password_hash_profile

    async def close(self) -> None:
        await self.db.dispose()
        await self.reader.dispose()


def build(settings: Settings, *, null_pool: bool = False, clock: Clock | None = None) -> Container:
    db = Database.connect(
        settings.app_database_url, pool_size=settings.web_pool_size, null_pool=null_pool, name="ido-app"
    )
    reader = Database.connect(
        settings.reader_database_url, pool_size=4, null_pool=null_pool, name="ido-reader"
    )
    codec = default_codec()
    clock = clock or clock_for(settings)
    passwords = Passwords(settings.password_hash_profile)
    events = PostgresEventStore(db, codec, clock)
    return Container(
        settings, db, reader, codec, events, Accounts(db, passwords), clock=clock, passwords=passwords
    )


@asynccontextmanager
async def container(settings: Settings, **kw: Any) -> AsyncIterator[Container]:
    c = build(settings, **kw)
    try:
        yield c
    finally:
        await c.close()
