"""Local referral partners of a library: the sociaal-educatieve kaart (rows of the library under RLS, not events).
What an entry holds and how it is checked is domain/partners.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import partners as rules
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
    topics: tuple[str, ...] = ()
    hours: str = ""
    professional_phone: str = ""
    referral_ways: tuple[str, ...] = ()
    gids_url: str = ""
    checked_on: date | None = None

    @property
    def kind_label(self) -> str:
        return CATALOGUE.partner_kind(self.kind).label

    def helps_with_topic(self, topic_code: str) -> bool:
        return rules.helps_with(self.topics, topic_code)

    def stale(self, today: date) -> bool:
        return rules.stale(self.checked_on, today)

    @property
    def way_labels(self) -> list[str]:
        return [rules.way_label(w) for w in self.referral_ways]

    @property
    def topic_labels(self) -> list[str]:
        """What it helps with, in the catalogue's words: a whole party, or a party's topic."""
        out = []
        for code in self.topics:
            try:
                if "." in code:
                    out.append(f"{CATALOGUE.party_of_topic(code).name} – {CATALOGUE.topic(code).name}")
                else:
                    out.append(f"{CATALOGUE.party(code).name} (alle onderwerpen)")
            except DomainError:
                out.append(code)  # a code of an older catalogue stays readable
        return out


# in this order: partners_of reads rows of them by position
PARTNER_COLUMNS = (
    "partner_id, name, kind, phone, email, website, address, helps_with, active, topics, hours, "
    "professional_phone, referral_ways, gids_url, checked_on"
)
_NAMES = tuple(PARTNER_COLUMNS.split(", "))
_WRITTEN = (*rules.TEXT_FIELDS, "topics", "referral_ways", "checked_on")


def _listed(values: Mapping[str, Any], name: str) -> list[str]:
    """A form's several values of `name` (a list), or one."""
    v = values.get(name)
    if v is None or v == "":
        return []
    return [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    raw = str(value or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError("Vul een geldige datum in (dag, maand en jaar).", field="checked_on") from None


def entry(values: Mapping[str, Any], today: date | None, *, new: bool) -> rules.PartnerEntry:
    """The checked entry from a form's values (`topics` and `referral_ways` may be lists, `checked_on` an ISO
    date). A new entry without a date of its last check was checked today. Raises: DomainError."""
    checked = _date(values.get("checked_on"))
    if checked is None and new:
        checked = today
    return rules.check_entry(
        {f: str(values.get(f) or "") for f in rules.TEXT_FIELDS},
        _listed(values, "topics"),
        _listed(values, "referral_ways"),
        checked,
        today=today,
    )


def _params(e: rules.PartnerEntry) -> dict[str, Any]:
    return {
        f: getattr(e, f) if f not in ("topics", "referral_ways") else list(getattr(e, f)) for f in _WRITTEN
    }


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
                f"SELECT {PARTNER_COLUMNS} FROM partners WHERE tenant_id = $1 {where} ORDER BY active DESC, lower(name)",
                tenant_id,
            )
        return [_partner(r) for r in rows]

    async def get(self, tenant_id: UUID, partner_id: UUID) -> Partner:
        for p in await self.list(tenant_id):
            if p.partner_id == partner_id:
                return p
        raise NotFound("Deze partner bestaat niet.")

    async def add(self, tenant_id: UUID, values: Mapping[str, Any], today: date | None = None) -> UUID:
        clean = _params(entry(values, today, new=True))
        partner_id = uuid4()
        async with self.db.tenant(tenant_id) as conn:
            await conn.execute(
                text(
                    f"INSERT INTO partners (tenant_id, partner_id, {', '.join(_WRITTEN)}) "
                    f"VALUES (:t, :p, {', '.join(':' + f for f in _WRITTEN)})"
                ),
                {"t": tenant_id, "p": partner_id, **clean},
            )
        return partner_id

    async def update(
        self,
        tenant_id: UUID,
        partner_id: UUID,
        values: Mapping[str, Any],
        active: bool,
        today: date | None = None,
    ) -> None:
        clean = _params(entry(values, today, new=False))
        await self._set(
            tenant_id,
            partner_id,
            f"{', '.join(f'{f} = :{f}' for f in _WRITTEN)}, active = :active",
            {"active": active, **clean},
        )

    async def mark_checked(self, tenant_id: UUID, partner_id: UUID, today: date) -> None:
        """The coordinator checked the entry today (at HetInformatiepunt.nl / G!DS, or with the partner)."""
        await self._set(tenant_id, partner_id, "checked_on = :checked_on", {"checked_on": today})

    async def _set(self, tenant_id: UUID, partner_id: UUID, assignments: str, params: dict[str, Any]) -> None:
        async with self.db.tenant(tenant_id) as conn:
            found = (
                await conn.execute(
                    text(
                        f"UPDATE partners SET {assignments}, updated_at = now() "
                        "WHERE tenant_id = :t AND partner_id = :p RETURNING partner_id"
                    ),
                    {"t": tenant_id, "p": partner_id, **params},
                )
            ).scalar()
        if found is None:
            raise NotFound("Deze partner bestaat niet.")

    async def active_ids(self, tenant_id: UUID, *, conn: AsyncConnection | None = None) -> frozenset[UUID]:
        return frozenset(p.partner_id for p in await self.list(tenant_id, active_only=True, conn=conn))


def partners_of(rows: Iterable[tuple]) -> list[Partner]:
    """Partners of rows of PARTNER_COLUMNS by position (such as the records of an ARRAY(SELECT ROW(…)))."""
    return [_partner(dict(zip(_NAMES, r, strict=True))) for r in rows]


def _partner(r: Any) -> Partner:
    v = dict(r.items())  # an asyncpg Record, a SQLAlchemy row mapping or a dict
    v["topics"] = tuple(v.get("topics") or ())
    v["referral_ways"] = tuple(v.get("referral_ways") or ())
    return Partner(**v)


def for_topic(partners: Iterable[Partner], topic_code: str) -> list[Partner]:
    """The (active) partners that help with the topic, in the order given."""
    return [p for p in partners if p.helps_with_topic(topic_code)]
