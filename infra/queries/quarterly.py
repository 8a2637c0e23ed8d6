"""What the kwartaaloverzicht reads: for the rule (domain/quarterly_mail.py), every active library's questions in
the quarter and its IDOs, and every coordinator and POI adviser with their choice (the reader role, across
libraries); for the mails, the figures of the dashboard (infra/queries/dashboard.py, in the library's own
transaction) and the names of the library or POI."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text

from domain.quarterly_mail import Figures, Ido, Library, Recipient, Scope
from domain.questions import REFERRAL
from domain.report import Period
from infra.queries.dashboard import Overview, overview
from infra.store.db import Database

_LIBRARIES = text("""
SELECT t.tenant_id, t.poi_id,
       (SELECT coalesce(sum(c.count), 0) FROM rm_question_counts_v1 c
        WHERE c.tenant_id = t.tenant_id AND c.day BETWEEN :first AND :last) AS questions
FROM tenants t WHERE t.active
""")
_IDOS = text("""
SELECT tenant_id, opened_on, CASE WHEN status = 'gesloten' THEN closed_from END AS closed_on
FROM rm_opening_status_v2
""")
_RECIPIENTS = text("""
SELECT u.user_id, m.role, coalesce(m.tenant_id, m.poi_id) AS scope_id, u.quarterly_mail, u.quarterly_mail_since
FROM memberships m JOIN users u USING (user_id)
WHERE u.active AND (m.role = 'coordinator' AND EXISTS (SELECT 1 FROM tenants t WHERE t.tenant_id = m.tenant_id
                                                        AND t.active)
                    OR m.role = 'poi_adviser')
""")


async def libraries(reader: Database, period: Period) -> list[Library]:
    """Every active library with its questions in the quarter and its IDOs (read models of every library)."""
    async with reader.platform() as conn:
        rows = (await conn.execute(_LIBRARIES, {"first": period.first, "last": period.last})).all()
        idos: dict[UUID, list[Ido]] = defaultdict(list)
        for r in (await conn.execute(_IDOS)).all():
            idos[r.tenant_id].append(Ido(r.opened_on, r.closed_on))
    return [Library(r.tenant_id, r.poi_id, int(r.questions), tuple(idos[r.tenant_id])) for r in rows]


async def recipients(reader: Database) -> list[Recipient]:
    """Every active coordinator (of an active library) and POI adviser, once per library or POI."""
    async with reader.platform() as conn:
        rows = (await conn.execute(_RECIPIENTS)).all()
    return [
        Recipient(
            r.user_id,
            Scope.LIBRARY if r.role == "coordinator" else Scope.POI,
            r.scope_id,
            r.quarterly_mail,
            r.quarterly_mail_since,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Named:
    """A library or POI as a mail names and links it."""

    id: UUID
    slug: str
    name: str


async def library_named(db: Database, tenant_id: UUID) -> Named:
    async with db.platform() as conn:
        r = (
            await conn.execute(
                text("SELECT tenant_id, slug, name FROM tenants WHERE tenant_id = :t"), {"t": tenant_id}
            )
        ).one()
    return Named(*r)


async def poi_named(db: Database, poi_id: UUID) -> tuple[Named, list[Named]]:
    """The POI and its active libraries, by name."""
    async with db.platform() as conn:
        poi = (
            await conn.execute(text("SELECT poi_id, slug, name FROM pois WHERE poi_id = :p"), {"p": poi_id})
        ).one()
        libs = (
            await conn.execute(
                text("SELECT tenant_id, slug, name FROM tenants WHERE poi_id = :p AND active ORDER BY name"),
                {"p": poi_id},
            )
        ).all()
    return Named(*poi), [Named(*r) for r in libs]


def referred(o: Overview) -> int:
    """The questions whose visitor was referred to a partner (the dashboard's "Hoe geholpen")."""
    return sum(c.count for c in o.help if c.code == REFERRAL)


async def quarter(db: Database, tenant_id: UUID, period: Period) -> Overview:
    """The dashboard's figures of the quarter, in the library's own transaction."""
    return await overview(db, tenant_id, period.first, period.last)


async def figures(db: Database, library: Named, period: Period) -> Figures:
    o = await quarter(db, library.id, period)
    t = o.time.total
    return Figures(library.name, o.total, o.visitors, t.timed, t.hours, referred(o))
