"""The facts of a library's first-run guide (domain/first_run.py), read in one statement in its tenant
transaction: from the events (an IDO registered, opening hours set, a question), the partners and the people."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text

from domain.first_run import Facts
from infra.store.db import Database

_FACTS = text("""
SELECT
  (SELECT (e.data ->> 'location_id')::uuid FROM events e
    WHERE e.tenant_id = :t AND e.event_type = 'IdoRegistered' ORDER BY e.global_position LIMIT 1) AS first_location,
  EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = :t AND e.event_type = 'OpeningHoursSet'
            AND jsonb_array_length(e.data -> 'slots') > 0) AS hours_set,
  EXISTS (SELECT 1 FROM partners p WHERE p.tenant_id = :t AND p.active) AS partners,
  EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = :t AND m.role = 'desk')
    OR EXISTS (SELECT 1 FROM invitations i WHERE i.tenant_id = :t AND i.role = 'desk' AND i.revoked_at IS NULL)
    AS staff_invited,
  EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = :t
            AND e.event_type IN ('QuestionRegistered', 'QuestionsTallied')) AS first_question
""")


async def guide_facts(db: Database, tenant_id: UUID) -> Facts:
    async with db.tenant(tenant_id) as conn:
        row = (await conn.execute(_FACTS, {"t": tenant_id})).one()
    return Facts(**row._mapping)
