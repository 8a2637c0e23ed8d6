"""Questions read from the event table: those of a period (for the API list until read models take over), and
the first event of given questions (for the import's check of what is stored already)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from sqlalchemy import text

from domain import questions as q
from domain.calendar import day_bounds
from infra.store.codec import Codec, from_jsonb
from infra.store.db import Database


@dataclass(frozen=True)
class QuestionRow:
    question_id: UUID
    what: q.Classification
    tally: bool
    visit_id: UUID | None = None  # a registered question's visit; a tally has none


async def questions_between(
    db: Database, codec: Codec, tenant_id: UUID, first: date, last: date
) -> list[QuestionRow]:
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    async with db.tenant(tenant_id) as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT event_type, schema_version, data FROM events WHERE tenant_id = :t AND event_type = ANY(:types) "
                    "ORDER BY tx_id, global_position"
                ),
                {"t": tenant_id, "types": [t.__name__ for t in q.QUESTION_EVENTS]},
            )
        ).all()
    found: dict[UUID, QuestionRow] = {}
    for r in rows:
        e = codec.decode(r.event_type, r.schema_version, from_jsonb(r.data))
        if isinstance(e, q.QuestionRetracted):
            found.pop(e.question_id, None)
        elif isinstance(e, q.QuestionCorrected) and e.question_id in found:
            found[e.question_id] = replace(found[e.question_id], what=e.what)
        else:
            visit = e.visit_id if isinstance(e, q.QuestionRegistered) else None
            found[e.question_id] = QuestionRow(
                e.question_id, e.what, isinstance(e, q.QuestionsTallied), visit
            )
    return sorted(
        (r for r in found.values() if start <= r.what.asked_at < end), key=lambda r: r.what.asked_at
    )


async def first_events(
    db: Database, codec: Codec, tenant_id: UUID, question_ids: list[UUID]
) -> dict[UUID, object]:
    """The first event of each question among `question_ids` that has one, decoded (upcast)."""
    if not question_ids:
        return {}
    async with db.tenant(tenant_id) as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT stream_id, event_type, schema_version, data FROM events "
                    "WHERE tenant_id = :t AND stream_id = ANY(:streams) AND stream_version = 1"
                ),
                {"t": tenant_id, "streams": [q.stream_id(i) for i in question_ids]},
            )
        ).all()
    return {
        UUID(r.stream_id.removeprefix("question-")): codec.decode(
            r.event_type, r.schema_version, from_jsonb(r.data)
        )
        for r in rows
    }
