"""Projection help_time.v1: questions per day × location × party × topic × duration class ('' = none), so the
time spent helping can be summed per party, topic, week and location (minutes per class: domain/help_time.py,
applied when read, so that a change of those minutes needs no rebuild)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from domain import question_stats as qs
from domain.ports import RecordedEvent
from infra.projections.question_stats import write_counts

KEYS = (["day", "location_id", "npd_party", "topic", "duration"], ["date", "uuid", "text", "text", "text"])


class HelpTime:
    name = "help_time.v1"
    tables = ("rm_help_time_v1",)
    event_types = frozenset(
        {"QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"}
    )

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        deltas = [d for r in events for d in qs.duration_deltas(r.event)]
        keys, types = KEYS
        await write_counts(conn, tenant_id, self.tables[0] + suffix, keys, types, qs.merge(deltas))
