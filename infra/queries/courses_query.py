"""Courses as the read model courses.v1 holds them: lists for the course pages and the API, and figures per
programme for the dashboard. The read model follows the events within moments (the workers fold them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import text

from domain import courses as c
from infra.store.db import Database

_COLUMNS = (
    "course_id, programme, title, location_id, start_date, sessions, capacity, status, enrolled, withdrawn, "
    "cursisten, completed, via_desk, cursisten_via_desk, last_session_on"
)


@dataclass(frozen=True)
class CourseRow:
    course_id: UUID
    programme: str
    title: str
    location_id: UUID
    start_date: date
    sessions: int
    capacity: int
    status: str
    enrolled: int
    withdrawn: int
    cursisten: int
    completed: int
    via_desk: int
    cursisten_via_desk: int
    last_session_on: date | None

    @property
    def programme_label(self) -> str:
        return c.PROGRAMME_LABELS.get(c.Programme(self.programme), self.programme)

    @property
    def has_room(self) -> bool:
        """Still taking participants: scheduled and not full."""
        return self.status == c.CourseStatus.SCHEDULED.value and self.enrolled < self.capacity


@dataclass(frozen=True)
class ProgrammeFigures:
    programme: str
    label: str
    held: int  # courses with at least one session recorded
    enrolled: int
    cursisten: int
    completed: int
    via_desk: int


async def list_courses(
    db: Database,
    tenant_id: UUID,
    *,
    location_id: UUID | None = None,
    programme: str | None = None,
    status: str | None = None,
) -> list[CourseRow]:
    """Newest start first."""
    where, params = ["tenant_id = :t"], {"t": tenant_id}
    for column, value in (("location_id", location_id), ("programme", programme), ("status", status)):
        if value is not None:
            where.append(f"{column} = :{column}")
            params[column] = value
    sql = f"SELECT {_COLUMNS} FROM rm_courses_v1 WHERE {' AND '.join(where)} ORDER BY start_date DESC, title"
    async with db.tenant(tenant_id) as conn:
        rows = (await conn.execute(text(sql), params)).all()
    return [CourseRow(**r._asdict()) for r in rows]


_FIGURES = text("""
SELECT programme,
       count(*) FILTER (WHERE last_session_on IS NOT NULL) AS held,
       COALESCE(sum(enrolled), 0) AS enrolled,
       COALESCE(sum(cursisten), 0) AS cursisten,
       COALESCE(sum(completed), 0) AS completed,
       COALESCE(sum(via_desk), 0) AS via_desk
FROM rm_courses_v1
WHERE tenant_id = :t AND status <> :cancelled AND start_date BETWEEN :first AND :last
  AND (CAST(:loc AS uuid) IS NULL OR location_id = CAST(:loc AS uuid))
GROUP BY programme
""")


async def figures_per_programme(
    db: Database, tenant_id: UUID, first: date, last: date, location_id: UUID | None
) -> list[ProgrammeFigures]:
    """Courses starting in the period, cancelled ones left out; every programme, in the catalogue's order."""
    params: dict[str, Any] = {
        "t": tenant_id,
        "cancelled": c.CourseStatus.CANCELLED.value,
        "first": first,
        "last": last,
        "loc": location_id,
    }
    async with db.tenant(tenant_id) as conn:
        found = {r.programme: r for r in (await conn.execute(_FIGURES, params)).all()}
    return [
        ProgrammeFigures(
            p.value,
            label,
            *(
                (r.held, r.enrolled, r.cursisten, r.completed, r.via_desk)
                if (r := found.get(p.value))
                else (0, 0, 0, 0, 0)
            ),
        )
        for p, label in c.PROGRAMME_LABELS.items()
    ]
