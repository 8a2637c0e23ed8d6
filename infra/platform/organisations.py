"""POIs and libraries as the platform admin keeps them: list, create, edit, webhook secrets, (de)activation.
Every change writes an admin_audit row in the same transaction."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.accounts import check_email, check_name, check_slug
from domain.errors import DomainError, NotFound
from domain.onboarding import check_province, check_provinces, check_webhook_url, parse_municipalities
from infra.platform import admin_audit
from infra.store.db import Database


@dataclass(frozen=True)
class PoiRecord:
    poi_id: UUID
    slug: str
    name: str
    email: str | None
    provinces: tuple[str, ...]
    webhook_url: str | None
    has_secret: bool
    libraries: int


@dataclass(frozen=True)
class LibraryRecord:
    tenant_id: UUID
    slug: str
    name: str
    poi_id: UUID
    poi_name: str
    province: str | None
    municipalities: tuple[str, ...]
    active: bool
    users: int


_POIS = """
SELECT p.poi_id, p.slug, p.name, p.email, p.provinces, p.webhook_url, p.webhook_secret IS NOT NULL,
       (SELECT count(*) FROM tenants t WHERE t.poi_id = p.poi_id)
FROM pois p {where} ORDER BY p.name"""
_LIBRARIES = """
SELECT t.tenant_id, t.slug, t.name, t.poi_id, p.name, t.province, t.municipalities, t.active,
       (SELECT count(DISTINCT m.user_id) FROM memberships m WHERE m.tenant_id = t.tenant_id)
FROM tenants t JOIN pois p USING (poi_id) {where} ORDER BY t.name"""


def clean_poi(values: Mapping[str, Any]) -> dict[str, Any]:
    """Raises: DomainError naming the field at fault."""
    email = str(values.get("email") or "").strip()
    return {
        "name": check_name(str(values.get("name") or ""), "de POI"),
        "email": check_email(email) if email else None,
        "provinces": list(check_provinces(values.get("provinces") or ())),
        "webhook_url": check_webhook_url(str(values.get("webhook_url") or "")),
    }


def clean_library(values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        poi_id = UUID(str(values.get("poi_id") or ""))
    except ValueError:
        raise DomainError("Kies de POI van de bibliotheek.", field="poi_id") from None
    return {
        "name": check_name(str(values.get("name") or ""), "de bibliotheek"),
        "poi_id": poi_id,
        "province": check_province(str(values.get("province") or "")),
        "municipalities": list(parse_municipalities(str(values.get("municipalities") or ""))),
    }


def _secret() -> str:
    return secrets.token_urlsafe(32)


class Organisations:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def pois(self) -> list[PoiRecord]:
        return await self._pois("")

    async def poi(self, poi_id: UUID) -> PoiRecord:
        found = await self._pois("WHERE p.poi_id = :id", id=poi_id)
        if not found:
            raise NotFound("Deze POI bestaat niet.")
        return found[0]

    async def _pois(self, where: str, **params: Any) -> list[PoiRecord]:
        async with self.db.platform() as conn:
            rows = (await conn.execute(text(_POIS.format(where=where)), params)).all()
        return [PoiRecord(r[0], r[1], r[2], r[3], tuple(r[4] or ()), r[5], r[6], r[7]) for r in rows]

    async def create_poi(self, actor: UUID, slug: str, values: Mapping[str, Any]) -> tuple[UUID, str | None]:
        """Answer the new POI's id and, when it has a webhook, its secret (shown once)."""
        check_slug(slug)
        v = clean_poi(values)
        poi_id, secret = uuid4(), (_secret() if v["webhook_url"] else None)
        async with self._unique(f"Er is al een POI met de korte naam '{slug}'.") as conn:
            await conn.execute(
                text(
                    "INSERT INTO pois (poi_id, slug, name, email, provinces, webhook_url, webhook_secret) "
                    "VALUES (:id, :slug, :name, :email, :provinces, :webhook_url, :secret)"
                ),
                {"id": poi_id, "slug": slug, "secret": secret, **v},
            )
            await admin_audit.record(conn, actor, "poi.created", "poi", poi_id, name=v["name"], slug=slug)
        return poi_id, secret

    async def update_poi(self, actor: UUID, poi_id: UUID, values: Mapping[str, Any]) -> str | None:
        """Answer a secret when the POI gets its first webhook (shown once), else None."""
        old = await self.poi(poi_id)
        v = clean_poi(values)
        secret = _secret() if v["webhook_url"] and not old.has_secret else None
        changed = [k for k in v if (list(getattr(old, k)) if k == "provinces" else getattr(old, k)) != v[k]]
        async with self.db.platform() as conn:
            await conn.execute(
                text(
                    "UPDATE pois SET name = :name, email = :email, provinces = :provinces, "
                    "webhook_url = :webhook_url, webhook_secret = coalesce(:secret, webhook_secret) "
                    "WHERE poi_id = :id"
                ),
                {"id": poi_id, "secret": secret, **v},
            )
            await admin_audit.record(
                conn, actor, "poi.updated", "poi", poi_id, name=v["name"], fields=changed
            )
        return secret

    async def renew_secret(self, actor: UUID, poi_id: UUID) -> str:
        poi = await self.poi(poi_id)
        secret = _secret()
        async with self.db.platform() as conn:
            await conn.execute(
                text("UPDATE pois SET webhook_secret = :s WHERE poi_id = :id"), {"s": secret, "id": poi_id}
            )
            await admin_audit.record(conn, actor, "poi.secret_renewed", "poi", poi_id, name=poi.name)
        return secret

    async def libraries(self, poi_id: UUID | None = None) -> list[LibraryRecord]:
        if poi_id:
            return await self._libraries("WHERE t.poi_id = :poi", poi=poi_id)
        return await self._libraries("")

    async def library(self, tenant_id: UUID) -> LibraryRecord:
        found = await self._libraries("WHERE t.tenant_id = :id", id=tenant_id)
        if not found:
            raise NotFound("Deze bibliotheek bestaat niet.")
        return found[0]

    async def _libraries(self, where: str, **params: Any) -> list[LibraryRecord]:
        async with self.db.platform() as conn:
            rows = (await conn.execute(text(_LIBRARIES.format(where=where)), params)).all()
        return [LibraryRecord(*r[:6], tuple(r[6] or ()), *r[7:]) for r in rows]

    async def create_library(self, actor: UUID, slug: str, values: Mapping[str, Any]) -> UUID:
        check_slug(slug)
        v = clean_library(values)
        await self.poi(v["poi_id"])
        tenant_id = uuid4()
        async with self._unique(f"Er is al een bibliotheek met de korte naam '{slug}'.") as conn:
            await conn.execute(
                text(
                    "INSERT INTO tenants (tenant_id, slug, name, poi_id, province, municipalities) "
                    "VALUES (:id, :slug, :name, :poi_id, :province, :municipalities)"
                ),
                {"id": tenant_id, "slug": slug, **v},
            )
            await admin_audit.record(
                conn, actor, "library.created", "library", tenant_id, name=v["name"], slug=slug
            )
        return tenant_id

    async def update_library(self, actor: UUID, tenant_id: UUID, values: Mapping[str, Any]) -> None:
        old = await self.library(tenant_id)
        v = clean_library(values)
        await self.poi(v["poi_id"])
        changed = [
            k for k in v if (list(getattr(old, k)) if k == "municipalities" else getattr(old, k)) != v[k]
        ]
        async with self.db.platform() as conn:
            await conn.execute(
                text(
                    "UPDATE tenants SET name = :name, poi_id = :poi_id, province = :province, "
                    "municipalities = :municipalities WHERE tenant_id = :id"
                ),
                {"id": tenant_id, **v},
            )
            await admin_audit.record(
                conn, actor, "library.updated", "library", tenant_id, name=v["name"], fields=changed
            )

    async def set_library_active(self, actor: UUID, tenant_id: UUID, active: bool) -> None:
        """Its users can no longer log in (or again); its events and reports stay as they are."""
        lib = await self.library(tenant_id)
        action = "library.reactivated" if active else "library.deactivated"
        async with self.db.platform() as conn:
            await conn.execute(
                text("UPDATE tenants SET active = :a WHERE tenant_id = :id"), {"a": active, "id": tenant_id}
            )
            await admin_audit.record(conn, actor, action, "library", tenant_id, name=lib.name)

    @asynccontextmanager
    async def _unique(self, message: str) -> AsyncIterator[AsyncConnection]:
        """A platform transaction that turns a unique violation (a taken slug) into a Dutch DomainError."""
        try:
            async with self.db.platform() as conn:
                yield conn
        except IntegrityError as exc:
            if getattr(exc.orig, "pgcode", None) == "23505":
                raise DomainError(message, field="slug") from None
            raise
