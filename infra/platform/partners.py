"""Local referral partners of a library (a light sociaal-educatieve kaart)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.catalogue import CATALOGUE
from domain.errors import DomainError, NotFound
from infra.store.db import Conn, Database, fetch


@dataclass(frozen=True)
class Partner:
    partner_id: UUID
    name: str
    kind: str
    phone: str
    email: str
    website: str
    address: str
    helps_with: str
    active: bool

    @property
    def kind_label(self) -> str:
        return CATALOGUE.partner_kind(self.kind).label


_FIELDS = ("name", "kind", "phone", "email", "website", "address", "helps_with")
_LIMITS = {"name": 200, "phone": 40, "email": 254, "website": 300, "address": 300, "helps_with": 1000}


def clean_partner(values: dict[str, str]) -> dict[str, str]:
    """Raises: DomainError naming the field that is missing, unknown or too long."""
    out = {f: (values.get(f) or "").strip() for f in _FIELDS}
    if not out["name"]:
        raise DomainError("Geef de naam van de partner.", field="name")
    CATALOGUE.partner_kind(out["kind"])
    for f, limit in _LIMITS.items():
        if len(out[f]) > limit:
            raise DomainError(f"Dit veld is te lang (maximaal {limit} tekens).", field=f)
    if out["website"] and not out["website"].startswith(("https://", "http://")):
        raise DomainError("Een website begint met https:// of http://.", field="website")
    return out


class Partners:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(
        self, tenant_id: UUID, *, active_only: bool = False, conn: Conn | None = None
    ) -> list[Partner]:
        where = "AND active" if active_only else ""
        async with self.db.within_raw(tenant_id, conn) as c:
            rows = await fetch(
                c,
                f"SELECT partner_id, {', '.join(_FIELDS)}, active FROM partners WHERE tenant_id = $1 {where} "
                "ORDER BY active DESC, lower(name)",
                tenant_id,
            )
        return [Partner(*r.values()) for r in rows]

    async def get(self, tenant_id: UUID, partner_id: UUID) -> Partner:
        for p in await self.list(tenant_id):
            if p.partner_id == partner_id:
                return p
        raise NotFound("Deze partner bestaat niet.")

    async def add(self, tenant_id: UUID, values: dict[str, str]) -> UUID:
        clean = clean_partner(values)
        partner_id = uuid4()
        async with self.db.tenant(tenant_id) as conn:
            await conn.execute(
                text(
                    f"INSERT INTO partners (tenant_id, partner_id, {', '.join(_FIELDS)}) "
                    f"VALUES (:t, :p, {', '.join(':' + f for f in _FIELDS)})"
                ),
                {"t": tenant_id, "p": partner_id, **clean},
            )
        return partner_id

    async def update(self, tenant_id: UUID, partner_id: UUID, values: dict[str, str], active: bool) -> None:
        clean = clean_partner(values)
        async with self.db.tenant(tenant_id) as conn:
            found = (
                await conn.execute(
                    text(
                        f"UPDATE partners SET {', '.join(f'{f} = :{f}' for f in _FIELDS)}, active = :active, "
                        "updated_at = now() WHERE tenant_id = :t AND partner_id = :p RETURNING partner_id"
                    ),
                    {"t": tenant_id, "p": partner_id, "active": active, **clean},
                )
            ).scalar()
        if found is None:
            raise NotFound("Deze partner bestaat niet.")

    async def active_ids(self, tenant_id: UUID, *, conn: AsyncConnection | None = None) -> frozenset[UUID]:
        return frozenset(p.partner_id for p in await self.list(tenant_id, active_only=True, conn=conn))
