"""Projection visitors.v1: visitors and questions per local day × location × hour (rm_visitors_v1). A visitor
counts once, in the cell of the visit's first question that is not retracted (domain/question_stats.py); to know
which that is after a retraction, the projection keeps the registered questions of each visit
(rm_visit_questions_v1, its own table, written in the same transaction as the counts). Per batch: the first
question of every visit the batch touches, before and after its questions are added, moved (a correction of
the time) and removed; the visitor moves from the one cell to the other (or appears, or goes)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import question_stats as qs
from domain.ports import RecordedEvent

_VISITS_OF = "SELECT question_id, visit_id FROM {t} WHERE tenant_id = :t AND question_id = ANY(:ids)"
_FIRSTS = """
SELECT DISTINCT ON (visit_id) visit_id, day, location_id, hour FROM {t}
WHERE tenant_id = :t AND visit_id = ANY(:visits) ORDER BY visit_id, asked_at, question_id
"""
_ADD = """
INSERT INTO {t} (tenant_id, question_id, visit_id, location_id, asked_at, day, hour)
SELECT :t, u.* FROM unnest(CAST(:qs AS uuid[]), CAST(:vs AS uuid[]), CAST(:locs AS uuid[]),
                          CAST(:ats AS timestamptz[]), CAST(:days AS date[]), CAST(:hours AS smallint[])) AS u
"""
_MOVE = """
UPDATE {t} AS v SET location_id = u.loc, asked_at = u.at, day = u.day, hour = u.hour
FROM unnest(CAST(:qs AS uuid[]), CAST(:locs AS uuid[]), CAST(:ats AS timestamptz[]), CAST(:days AS date[]),
            CAST(:hours AS smallint[])) AS u(q, loc, at, day, hour)
WHERE v.tenant_id = :t AND v.question_id = u.q
"""
_REMOVE = "DELETE FROM {t} WHERE tenant_id = :t AND question_id = ANY(:ids)"
_COUNT = """
INSERT INTO {t} AS r (tenant_id, day, location_id, hour, visitors, questions)
SELECT :t, u.* FROM unnest(CAST(:days AS date[]), CAST(:locs AS uuid[]), CAST(:hours AS smallint[]),
                          CAST(:visitors AS integer[]), CAST(:questions AS integer[])) AS u
ON CONFLICT (tenant_id, day, location_id, hour) DO UPDATE
SET visitors = r.visitors + EXCLUDED.visitors, questions = r.questions + EXCLUDED.questions
"""
_EMPTY = "DELETE FROM {t} WHERE tenant_id = :t AND visitors = 0 AND questions = 0"


class Visitors:
    name = "visitors.v1"
    tables = ("rm_visitors_v1", "rm_visit_questions_v1")
    event_types = frozenset(
        {"QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"}
    )

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        counts_table, questions_table = (t + suffix for t in self.tables)
        added = [v for r in events if (v := qs.visit_question(r.event)) is not None]
        # a question moved twice in the batch ends where the last correction put it
        moved = list(
            {m.question_id: m for r in events if (m := qs.moved_question(r.event)) is not None}.values()
        )
        removed = [i for r in events if (i := qs.retracted_question(r.event)) is not None]
        visitors = [d for r in events for d in qs.tally_visitor_deltas(r.event)]
        if added or moved or removed:
            visitors += await self._move(conn, tenant_id, questions_table, added, moved, removed)
        questions = qs.merge([d for r in events for d in qs.hour_deltas(r.event)])
        await self._count(conn, tenant_id, counts_table, qs.merge(visitors), questions)

    async def _move(
        self,
        conn: AsyncConnection,
        tenant_id: UUID,
        table: str,
        added: list[qs.VisitQuestion],
        moved: list[qs.VisitQuestion],
        removed: list[UUID],
    ) -> list[tuple[qs.HourKey, int]]:
        """Add, move and remove the batch's questions (in that order: a question comes before its corrections
        and its retraction); answer where visitors leave (-1) and arrive (+1)."""
        visit_of = {v.question_id: v.visit_id for v in added}
        unknown = list({i for i in (*(m.question_id for m in moved), *removed) if i not in visit_of})
        if unknown:
            rows = await conn.execute(text(_VISITS_OF.format(t=table)), {"t": tenant_id, "ids": unknown})
            visit_of.update({r.question_id: r.visit_id for r in rows})
        visits = list({*visit_of.values()})
        before = await self._firsts(conn, tenant_id, table, visits)
        if added:
            await conn.execute(
                text(_ADD.format(t=table)),
                {
                    "t": tenant_id,
                    "qs": [v.question_id for v in added],
                    "vs": [v.visit_id for v in added],
                    "locs": [v.location_id for v in added],
                    "ats": [v.asked_at for v in added],
                    "days": [v.day for v in added],
                    "hours": [v.hour for v in added],
                },
            )
        if moved:
            await conn.execute(
                text(_MOVE.format(t=table)),
                {
                    "t": tenant_id,
                    "qs": [m.question_id for m in moved],
                    "locs": [m.location_id for m in moved],
                    "ats": [m.asked_at for m in moved],
                    "days": [m.day for m in moved],
                    "hours": [m.hour for m in moved],
                },
            )
        if removed:
            await conn.execute(text(_REMOVE.format(t=table)), {"t": tenant_id, "ids": removed})
        after = await self._firsts(conn, tenant_id, table, visits)
        return [(k, -1) for k in before] + [(k, 1) for k in after]

    async def _firsts(
        self, conn: AsyncConnection, tenant_id: UUID, table: str, visits: list[UUID]
    ) -> list[qs.HourKey]:
        """The cell of the first question of each of the visits that has one."""
        if not visits:
            return []
        rows = await conn.execute(text(_FIRSTS.format(t=table)), {"t": tenant_id, "visits": visits})
        return [qs.HourKey(r.day, r.location_id, r.hour) for r in rows]

    async def _count(
        self, conn: AsyncConnection, tenant_id: UUID, table: str, visitors: dict, questions: dict
    ) -> None:
        cells = list({*visitors, *questions})
        if not cells:
            return
        await conn.execute(
            text(_COUNT.format(t=table)),
            {
                "t": tenant_id,
                "days": [c.day for c in cells],
                "locs": [c.location_id for c in cells],
                "hours": [c.hour for c in cells],
                "visitors": [visitors.get(c, 0) for c in cells],
                "questions": [questions.get(c, 0) for c in cells],
            },
        )
        if any(v < 0 for v in (*visitors.values(), *questions.values())):
            await conn.execute(text(_EMPTY.format(t=table)), {"t": tenant_id})
