"""Platform tables: POIs, libraries (tenants), users, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from domain.accounts import Role, check_email, check_name, check_password, check_scope, check_slug
from domain.errors import DomainError, NotFound
from infra.platform.passwords import Passwords
from infra.store.db import Database


@dataclass(frozen=True)
class Poi:
    poi_id: UUID
    slug: str
    name: str
    email: str | None


@dataclass(frozen=True)
class Tenant:
    tenant_id: UUID
    slug: str
    name: str
    poi_id: UUID
    active: bool


@dataclass(frozen=True)
class Membership:
    role: Role
    tenant_id: UUID | None
    poi_id: UUID | None


@dataclass(frozen=True)
class User:
    user_id: UUID
    email: str
    password_hash: str | None
    active: bool
    memberships: tuple[Membership, ...]


def token_hash(token: str) -> bytes:
    """API tokens are 256-bit random strings, so a fast hash is enough (unlike passwords)."""
    return hashlib.sha256(token.encode()).digest()


class Accounts:
    def __init__(self, db: Database, passwords: Passwords) -> None:
        self.db = db
        self.passwords = passwords

    async def create_poi(self, slug: str, name: str, email: str | None = None) -> UUID:
        check_slug(slug)
        name = check_name(name, "de POI")
        poi_id = uuid4()
        await self._insert(
            "INSERT INTO pois (poi_id, slug, name, email) VALUES (:id, :slug, :name, :email)",
            {
                "id": poi_id,
                "slug": slug,
                "name": name.strip(),
                "email": check_email(email) if email else None,
            },
            f"Er is al een POI met de korte naam '{slug}'.",
        )
        return poi_id

    async def create_tenant(self, slug: str, name: str, poi_slug: str) -> UUID:
        check_slug(slug)
        name = check_name(name, "de bibliotheek")
        poi = await self.poi_by_slug(poi_slug)
        tenant_id = uuid4()
        await self._insert(
            "INSERT INTO tenants (tenant_id, slug, name, poi_id) VALUES (:id, :slug, :name, :poi)",
            {"id": tenant_id, "slug": slug, "name": name.strip(), "poi": poi.poi_id},
            f"Er is al een bibliotheek met de korte naam '{slug}'.",
        )
        return tenant_id

    async def create_user(
        self,
        email: str,
        role: Role,
        *,
        tenant_slug: str | None = None,
        poi_slug: str | None = None,
        password: str | None = None,
    ) -> UUID:
        """Create the user if the address is new, and give them the role; a password is optional
        (an invited user sets it later)."""
        email = check_email(email)
        check_scope(role, tenant_slug, poi_slug)
        password_hash = self.passwords.hash(check_password(password)) if password is not None else None
        tenant_id = (await self.tenant_by_slug(tenant_slug)).tenant_id if tenant_slug else None
        poi_id = (await self.poi_by_slug(poi_slug)).poi_id if poi_slug else None
        async with self.db.platform() as conn:
            user_id = (
                await conn.execute(
                    text(
                        "INSERT INTO users (user_id, email, password_hash) VALUES (:id, :email, :hash) "
                        "ON CONFLICT (email) DO UPDATE SET password_hash = COALESCE(EXCLUDED.password_hash, "
                        "users.password_hash) RETURNING user_id"
                    ),
                    {"id": uuid4(), "email": email, "hash": password_hash},
                )
            ).scalar_one()
            await conn.execute(
                text(
                    "INSERT INTO memberships (membership_id, user_id, role, tenant_id, poi_id) "
                    "VALUES (:id, :user, :role, :tenant, :poi) ON CONFLICT DO NOTHING"
                ),
                {"id": uuid4(), "user": user_id, "role": role.value, "tenant": tenant_id, "poi": poi_id},
            )
        return user_id

    async def rehash_if_outdated(self, user: User, password: str) -> bool:
        """After a successful login: store a new hash when the stored one was made at other parameters than the
        configured ones (unless the password changed meanwhile). Answers whether it did."""
        if user.password_hash is None or not self.passwords.needs_rehash(user.password_hash):
            return False
        new_hash = await self.passwords.hash_async(password)
        async with self.db.raw() as c:
            done = await c.execute(
                "UPDATE users SET password_hash = $1 WHERE user_id = $2 AND password_hash = $3",
                new_hash,
                user.user_id,
                user.password_hash,
            )
        return done == "UPDATE 1"

    async def create_token(self, email: str, name: str = "cli") -> str:
        user = await self.user_by_email(email)
        if user is None:
            raise NotFound(f"Er is geen gebruiker met e-mailadres {email}.")
        token = "ido_" + secrets.token_urlsafe(32)
        async with self.db.platform() as conn:
            await conn.execute(
                text(
                    "INSERT INTO api_tokens (token_id, user_id, name, token_hash) "
                    "VALUES (:id, :user, :name, :hash)"
                ),
                {"id": uuid4(), "user": user.user_id, "name": name, "hash": token_hash(token)},
            )
        return token

    async def user_for_token(self, token: str) -> User | None:
        async with self.db.platform() as conn:
            user_id = (
                await conn.execute(
                    text(
                        "UPDATE api_tokens t SET last_used_at = now() FROM users u WHERE t.token_hash = :hash "
                        "AND t.revoked_at IS NULL AND u.user_id = t.user_id AND u.active RETURNING t.user_id"
                    ),
                    {"hash": token_hash(token)},
                )
            ).scalar()
        return await self.user_by_id(user_id) if user_id else None

    async def _insert(self, sql: str, params: dict, duplicate_message: str) -> None:
        try:
            async with self.db.platform() as conn:
                await conn.execute(text(sql), params)
        except IntegrityError as exc:
            if getattr(exc.orig, "pgcode", None) == "23505":
                raise DomainError(duplicate_message, field="slug") from None
            raise

    async def poi_by_slug(self, slug: str) -> Poi:
        if not _is_slug(slug):  # names none (and a NUL from a URL would make PostgreSQL fail)
            raise NotFound(f"Er is geen POI met de korte naam '{slug}'.")
        async with self.db.platform() as conn:
            row = (
                await conn.execute(
                    text("SELECT poi_id, slug, name, email FROM pois WHERE slug = :s"), {"s": slug}
                )
            ).first()
        if row is None:
            raise NotFound(f"Er is geen POI met de korte naam '{slug}'.")
        return Poi(*row)

    async def tenant_by_slug(self, slug: str) -> Tenant:
        missing = f"Er is geen bibliotheek met de korte naam '{slug}'."
        if not _is_slug(slug):  # names none (and a NUL from a URL would make PostgreSQL fail)
            raise NotFound(missing)
        return await self._tenant("slug = $1", slug, missing)

    async def tenants(self) -> list[Tenant]:
        async with self.db.platform() as conn:
            rows = (
                await conn.execute(
                    text("SELECT tenant_id, slug, name, poi_id, active FROM tenants ORDER BY slug")
                )
            ).all()
        return [Tenant(*r) for r in rows]

    async def tenant_by_id(self, tenant_id: UUID) -> Tenant:
        return await self._tenant("tenant_id = $1", tenant_id, "Deze bibliotheek bestaat niet.")

    # The two lookups of every request (who is asking, which library) are single reads of platform tables: one
    # round trip on the raw pool in autocommit, not BEGIN/query/COMMIT through the engine.

    async def _tenant(self, where: str, value: object, missing: str) -> Tenant:
        async with self.db.raw() as c:
            row = await c.fetchrow(
                f"SELECT tenant_id, slug, name, poi_id, active FROM tenants WHERE {where}", value
            )
        if row is None:
            raise NotFound(missing)
        return Tenant(*row)

    async def user_by_email(self, email: str) -> User | None:
        return await self._user("u.email = $1", email.strip().lower())

    async def user_by_id(self, user_id: UUID) -> User | None:
        return await self._user("u.user_id = $1", user_id)

    async def _user(self, where: str, value: object) -> User | None:
        """Memberships of a deactivated library are left out: a user whose only library it is has none, and
        login and the middleware refuse such a user."""
        async with self.db.raw() as c:
            rows = await c.fetch(f"{_USER} WHERE {where}", value)
        return _user_of(rows)

    async def user_and_tenant(self, user_id: UUID, slug: str) -> tuple[User | None, Tenant | None]:
        """`user_by_id` and the library of `slug` (None when there is none; any, active or not), in one round
        trip: what a request to a library's page needs first (services/api/middleware.py)."""
        if not _is_slug(slug):
            return await self.user_by_id(user_id), None
        async with self.db.raw() as c:
            rows = await c.fetch(
                "SELECT x.*, t.tenant_id AS t_id, t.slug AS t_slug, t.name AS t_name, t.poi_id AS t_poi, "
                f"t.active AS t_active FROM ({_USER} WHERE u.user_id = $1) x "
                "LEFT JOIN tenants t ON t.slug = $2",
                user_id,
                slug,
            )
        if not rows or rows[0]["t_id"] is None:
            return _user_of(rows), None
        r = rows[0]
        return _user_of(rows), Tenant(r["t_id"], r["t_slug"], r["t_name"], r["t_poi"], r["t_active"])


_USER = (
    "SELECT u.user_id, u.email, u.password_hash, u.active, m.role, m.tenant_id, m.poi_id "
    "FROM users u LEFT JOIN memberships m ON m.user_id = u.user_id AND (m.tenant_id IS NULL "
    "OR EXISTS (SELECT 1 FROM tenants t WHERE t.tenant_id = m.tenant_id AND t.active))"
)


def _user_of(rows: list) -> User | None:
    if not rows:
        return None
    r = rows[0]
    members = tuple(Membership(Role(x["role"]), x["tenant_id"], x["poi_id"]) for x in rows if x["role"])
    return User(r["user_id"], r["email"], r["password_hash"], r["active"], members)


def _is_slug(slug: str) -> bool:
    try:
        check_slug(slug)
    except DomainError:
        return False
    return True
