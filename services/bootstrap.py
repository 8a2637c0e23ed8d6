"""The composition root of the command side: the bus over the PostgreSQL unit of work, for the web app, the
workers, the CLI and the import alike."""

from __future__ import annotations

from typing import Any

from application.bus import Bus, all_handlers
from infra.bootstrap import Container
from infra.platform.partners import Partners
from infra.store.unit_of_work import PostgresUnitOfWork


def command_bus(container: Container, waker: Any = None) -> Bus:
    """`waker` wakes the projection workers after a commit that appended (none: the beat sweep catches up)."""
    uow = PostgresUnitOfWork(container.events, Partners(container.db), container.clock, waker)
    return Bus(uow, all_handlers())
