"""Projection referrals.v3: referrals to and from the library's local partners, per day × location × direction
(`naar`, `door`) × partner × kind of question × warmth (corrections and retractions included;
domain.question_stats.referral_deltas), so that a report summing "Hoe geholpen" over some kinds of question sums
its partner rows over the same kinds. Every referral is here: one to or from a partner the library has not listed
has the nil partner id. referrals.v2 (rm_referrals_v2) counted only the referrals naming a partner, without the
warmth and without referrals received."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from domain import question_stats as qs
from domain.ports import RecordedEvent
from infra.projections.question_stats import write_counts

KEYS = (
    ["day", "location_id", "direction", "partner_id", "kind", "warmth"],
    ["date", "uuid", "text", "uuid", "text", "text"],
)


class Referrals:
    name = "referrals.v3"
    tables = ("rm_referrals_v3",)
    event_types = frozenset(
        {"QuestionRegistered", "QuestionCorrected", "QuestionRetracted", "QuestionsTallied"}
    )

    async def apply(
        self, conn: AsyncConnection, tenant_id: UUID, events: list[RecordedEvent], suffix: str
    ) -> None:
        deltas = [d for r in events for d in qs.referral_deltas(r.event)]
        keys, types = KEYS
        await write_counts(conn, tenant_id, self.tables[0] + suffix, keys, types, qs.merge(deltas))
