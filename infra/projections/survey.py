"""Projection survey.v1: filled-in surveys and their answers per day × location × course × question × answer
(a filled-in survey is the row with question ''; an answer left open, answer ''). Answers are never changed
afterwards, so the counts only grow."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ports import RecordedEvent
from domain.survey import SurveyAnswered
from domain.survey_results import count_keys

KEYS = ["day", "location_id", "course_id", "question_set", "question", "answer"]
TYPES = ["date", "uuid", "uuid", "text", "text", "text"]
_UPSERT = (
    "INSERT INTO {table} AS r (tenant_id, " + ", ".join(KEYS) + ", count) "
    "SELECT :tenant_id, u.* FROM unnest("
    + ", ".join(f"CAST(:{k} AS {t}[])" for k, t in zip(KEYS, TYPES, strict=True))
    + ", CAST(:count AS integer[])) AS u "
    "ON CONFLICT (tenant_id, " + ", ".join(KEYS) + ") DO UPDATE SET count = r.count + EXCLUDED.count"
)


class SurveyStats:
    name = "survey.v1"
    tables = ("rm_survey_v1",)
    event_types = frozenset({"SurveyAnswered"})

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        counts: Counter = Counter()
        for r in events:
            if isinstance(r.event, SurveyAnswered):
                counts.update(count_keys(r.event))
        if not counts:
            return
        params = {k: [getattr(key, k) for key in counts] for k in KEYS}
        await conn.execute(
            text(_UPSERT.format(table=self.tables[0] + suffix)),
            {"tenant_id": tenant_id, **params, "count": list(counts.values())},
        )
