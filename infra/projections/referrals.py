"""Projection referrals.v2: referrals that name a local partner, per day × location × partner × kind of question
(corrections and retractions included), so that a report summing "Hoe geholpen" over some kinds of question sums
its partner rows over the same kinds. Referrals that name no partner are not here: the reports derive them
(domain.verantwoording.unlisted_referrals)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from domain import question_stats as qs
from domain.ports import RecordedEvent
from infra.projections.question_stats import write_counts

KEYS = (["day", "location_id", "partner_id", "kind"], ["date", "uuid", "uuid", "text"])


class Referrals:
    name = "referrals.v2"
    tables = ("rm_referrals_v2",)
    event_types = frozenset(
        {"QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"}
    )

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        deltas = [d for r in events for d in qs.referral_deltas(r.event)]
        keys, types = KEYS
        await write_counts(conn, tenant_id, self.tables[0] + suffix, keys, types, qs.merge(deltas))
