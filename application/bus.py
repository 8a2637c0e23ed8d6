"""The bus: every command — from a form, the JSON API, the CLI or an import — runs here, in one transaction of
its library: the idempotency key is claimed, the handler decides and appends, the answer is stored with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from domain.ports import Outcome, Transaction, UnitOfWork

S = TypeVar("S")
Handler = Callable[[Any, Transaction, dict[str, Any]], Awaitable[dict[str, Any]]]


class Bus:
    def __init__(self, uow: UnitOfWork, handlers: dict[type, tuple[Handler, int]]) -> None:
        self.uow = uow
        self.handlers = handlers

    async def handle(
        self, tenant_id: UUID, command: Any, meta: dict[str, Any], *, key: str | None = None
    ) -> Outcome:
        """Run `command`'s handler and answer its status and body. With `key` the command runs once: the same
        key with the same command answers the stored outcome (`replayed`); with another command it raises
        IdempotencyConflict. A handler that raises stores nothing, and the key stays free.

        Raises: DomainError (NotFound, WrongExpectedVersion, IdempotencyConflict among them)."""
        return (await self.handle_then(tenant_id, command, meta, None, key=key))[0]

    async def handle_then(
        self,
        tenant_id: UUID,
        command: Any,
        meta: dict[str, Any],
        then: Callable[[Transaction], Awaitable[S]] | None,
        *,
        key: str | None = None,
    ) -> tuple[Outcome, S | None]:
        """As `handle`, and then `then` (what the caller shows next, such as the page the answer is part of) in
        the same transaction, after the handler — also when the key answers a stored outcome —, so that the
        write and the read of the answer are one transaction and the read sees the write. A read that raises
        rolls the command back with it."""
        handler, status = self.handlers[type(command)]
        async with self.uow(tenant_id) as tx:
            outcome = await tx.claim(key, (type(command).__name__, command)) if key is not None else None
            if outcome is None:
                outcome = Outcome(status, await handler(command, tx, meta))
                if key is not None:
                    await tx.answer(key, outcome)
            return outcome, (await then(tx) if then is not None else None)

    async def read(self, tenant_id: UUID, query: Callable[[Transaction], Awaitable[S]]) -> S:
        """Run a read (such as `aggregates.load`) in a transaction of its own."""
        async with self.uow(tenant_id) as tx:
            return await query(tx)


def all_handlers() -> dict[type, tuple[Handler, int]]:
    from application import courses, planning, questions, survey

    return {**questions.HANDLERS, **planning.HANDLERS, **courses.HANDLERS, **survey.HANDLERS}
