"""Projection courses.v1: per course its programme, location, status and participant counts (enrolled,
withdrawn, cursisten = present at least once, completed, and how many came through the desk), and attendance
per session — re-folded from the course's stream."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import courses as c
from domain.ports import RecordedEvent
from infra.store.event_store import PostgresEventStore

_TYPES = {t.__name__ for t in c.COURSE_EVENTS}
_COLS = [
    "course_id",
    "programme",
    "title",
    "location_id",
    "start_date",
    "sessions",
    "capacity",
    "status",
    "enrolled",
    "withdrawn",
    "cursisten",
    "completed",
    "via_desk",
    "cursisten_via_desk",
    "last_session_on",
]


def course_row(s: c.Course) -> dict:
    held = [on for on, _ in s.attendance.values()]
    return {
        "course_id": s.course_id,
        "programme": s.programme.value,
        "title": s.title,
        "location_id": s.location_id,
        "start_date": s.start_date,
        "sessions": s.sessions,
        "capacity": s.capacity,
        "status": s.status.value,
        "enrolled": len(s.enrolled),
        "withdrawn": len(s.withdrawn),
        "cursisten": len(s.attended),
        "completed": len(s.completed),
        "via_desk": len(s.via_desk),
        "cursisten_via_desk": len(s.attended & s.via_desk),
        "last_session_on": max(held) if held else None,
    }


class Courses:
    name = "courses.v1"
    tables = ("rm_courses_v1", "rm_course_sessions_v1")
    event_types = frozenset(_TYPES)

    def __init__(self, store: PostgresEventStore) -> None:
        self.store = store

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        for course_id in {r.event.course_id for r in events if r.event_type in _TYPES}:
            stream = await self.store.read_stream(tenant_id, c.stream_id(course_id), conn=conn)
            s = c.fold(course_id, [r.event for r in stream])
            if s.version == 0:
                continue
            updates = ", ".join(f"{k} = EXCLUDED.{k}" for k in _COLS[1:])
            await conn.execute(
                text(
                    f"INSERT INTO rm_courses_v1{suffix} (tenant_id, {', '.join(_COLS)}) "
                    f"VALUES (:t, {', '.join(':' + k for k in _COLS)}) "
                    f"ON CONFLICT (tenant_id, course_id) DO UPDATE SET {updates}"
                ),
                {"t": tenant_id, **course_row(s)},
            )
            await conn.execute(
                text(f"DELETE FROM rm_course_sessions_v1{suffix} WHERE tenant_id = :t AND course_id = :c"),
                {"t": tenant_id, "c": course_id},
            )
            for session, (held_on, present) in sorted(s.attendance.items()):
                await conn.execute(
                    text(
                        f"INSERT INTO rm_course_sessions_v1{suffix} (tenant_id, course_id, session, held_on, present) "
                        "VALUES (:t, :c, :s, :h, :p)"
                    ),
                    {"t": tenant_id, "c": course_id, "s": session, "h": held_on, "p": len(present)},
                )
