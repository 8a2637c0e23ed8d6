"""Course commands against the event store: pseudonymous participant codes are made here, the rules are in
domain/courses.py; a request runs once per idempotency key, like the desk's."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import courses as c
from domain.ports import NewEvent
from infra.event_store import PostgresEventStore
from infra.wakeup import NoWaker


def new_code(programme: c.Programme) -> str:
    """Like 'KT-7F3K': a prefix per programme and four random characters, unique within a course."""
    prefix = {"klik_tik": "KT", "digisterker": "DS", "digid_cursus": "DD", "werken_e_overheid": "EO"}.get(
        programme.value, "EC"
    )
    return prefix + "-" + "".join(secrets.choice(c.CODE_ALPHABET) for _ in range(4))


class CourseService:
    def __init__(self, store: PostgresEventStore, waker: Any = None) -> None:
        self.store = store
        self.waker = waker or NoWaker()

    async def load(
        self, tenant_id: UUID, course_id: UUID, *, conn: AsyncConnection | None = None
    ) -> c.Course:
        stream = await self.store.read_stream(tenant_id, c.stream_id(course_id), conn=conn)
        return c.fold(course_id, [e.event for e in stream])

    async def execute(
        self,
        tenant_id: UUID,
        course_id: UUID,
        decide: Callable[[c.Course], list[msgspec.Struct]],
        meta: dict[str, Any],
        event_ids: list[UUID] | None = None,
        *,
        conn: AsyncConnection | None = None,
    ) -> c.Course:
        """Load, decide, append at the loaded version. With `event_ids` (derived from an idempotency key) a
        repeated request appends nothing twice. With `conn` the read and the append happen in the caller's
        transaction, and the caller wakes the workers once it has committed."""
        s = await self.load(tenant_id, course_id, conn=conn)
        events = decide(s)
        if events:
            ids = event_ids or [uuid4() for _ in events]
            await self.store.append(
                tenant_id,
                c.stream_id(course_id),
                [NewEvent(i, e, meta) for i, e in zip(ids, events, strict=False)],
                s.version,
                conn=conn,
            )
            if conn is None:
                await self.waker.wake(tenant_id)
        for e in events:
            s = c.evolve(s, e)
        return s

    async def enrol(
        self,
        tenant_id: UUID,
        course_id: UUID,
        via_question_id: UUID | None,
        meta: dict[str, Any],
        *,
        conn: AsyncConnection | None = None,
    ) -> tuple[c.Course, str]:
        s = await self.load(tenant_id, course_id, conn=conn)
        code = new_code(s.programme)
        while code in s.enrolled or code in s.withdrawn:
            code = new_code(s.programme)
        s = await self.execute(
            tenant_id, course_id, lambda st: c.enrol(st, code, via_question_id), meta, conn=conn
        )
        return s, code
