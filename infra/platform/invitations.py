"""Invitations: a single-use link (256-bit random token, only its sha256 stored) valid for seven days. Accepting
creates the user if the address is new, or adds the membership to the existing account. A library's invitations
are under its tenant policy; POI and KB invitations (no tenant) are seen only outside a tenant transaction."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.accounts import ROLE_LABELS, ROLE_NOUNS, Role, check_email
from domain.errors import DomainError, NotFound
from domain.onboarding import INVITATION_VALID, LinkState, MembershipLike, check_may_invite, link_state
from infra.platform import admin_audit
from infra.platform.accounts import token_hash
from infra.store.db import Database

DELIVERIES = ("mailed", "link_shown", "link_printed")
_SELECT = """
SELECT i.invitation_id, i.email, i.role, i.tenant_id, i.poi_id, i.created_at, i.expires_at, i.used_at,
       i.revoked_at, coalesce(t.name, p.name, 'Koninklijke Bibliotheek') AS scope_name,
       coalesce(t.active, true) AS scope_active
FROM {source} i LEFT JOIN tenants t ON t.tenant_id = i.tenant_id LEFT JOIN pois p ON p.poi_id = i.poi_id
"""
# Before the link is opened no tenant is known: the one row with this hash, through a SECURITY DEFINER function
# (migration 0009); everything after runs in the invitation's own scope.
_BY_LINK = "ido_invitation_by_link(:h)"
_CONSUME = text("""
UPDATE invitations i SET used_at = :now
WHERE i.token_hash = :h AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > :now
  AND (i.tenant_id IS NULL OR EXISTS (SELECT 1 FROM tenants t WHERE t.tenant_id = i.tenant_id AND t.active))
RETURNING i.invitation_id, i.email, i.role, i.tenant_id, i.poi_id
""")
_USER = text("""
INSERT INTO users (user_id, email, password_hash, last_login_at) VALUES (:id, :email, :hash, :now)
ON CONFLICT (email) DO UPDATE SET password_hash = coalesce(users.password_hash, EXCLUDED.password_hash),
                                  last_login_at = EXCLUDED.last_login_at
WHERE users.active
RETURNING user_id
""")


@dataclass(frozen=True)
class Invitation:
    invitation_id: UUID
    email: str
    role: Role
    tenant_id: UUID | None
    poi_id: UUID | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    scope_name: str
    scope_active: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def role_noun(self) -> str:
        """The role inside a sentence ("als coördinator")."""
        return ROLE_NOUNS[self.role]

    def state(self, now: datetime) -> LinkState:
        return link_state(self.used_at, self.expires_at, now, self.revoked_at)


def new_token() -> tuple[str, bytes]:
    token = secrets.token_urlsafe(32)  # 256 bits
    return token, token_hash(token)


def _invitation(row: Any) -> Invitation:
    return Invitation(*row[:2], Role(row[2]), *row[3:])


class Invitations:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        inviter: UUID | None,
        inviter_memberships: Iterable[MembershipLike] | None,
        email: str,
        role: Role,
        *,
        tenant_id: UUID | None = None,
        poi_id: UUID | None = None,
        now: datetime,
    ) -> tuple[Invitation, str]:
        """Replaces any open invitation for the same address, role and place. `inviter` None: the operator on
        the command line (`ido users invite`), who may invite anyone. Raises: DomainError."""
        email = check_email(email)
        if inviter_memberships is not None:
            check_may_invite(inviter_memberships, role, tenant_id, poi_id)
        token, digest = new_token()
        invitation_id = uuid4()
        async with self.db.tenant_or_platform(tenant_id) as conn:
            if await self._has_membership(conn, email, role, tenant_id, poi_id):
                raise DomainError(f"{email} heeft deze rol hier al.", field="email")
            await self._revoke_open(conn, email, role, tenant_id, poi_id, now)
            await conn.execute(
                text(
                    "INSERT INTO invitations (invitation_id, token_hash, email, role, tenant_id, poi_id, "
                    "invited_by, created_at, expires_at) VALUES (:id, :h, :email, :role, :t, :p, :by, :now, :exp)"
                ),
                {
                    "id": invitation_id,
                    "h": digest,
                    "email": email,
                    "role": role.value,
                    "t": tenant_id,
                    "p": poi_id,
                    "by": inviter,
                    "now": now,
                    "exp": now + INVITATION_VALID,
                },
            )
            await admin_audit.record(
                conn,
                inviter,
                "invitation.created",
                "invitation",
                invitation_id,
                **_where(role, tenant_id, poi_id),
            )
        return await self.get(invitation_id, tenant_id), token

    async def renew(
        self,
        actor: UUID,
        actor_memberships: Iterable[MembershipLike],
        invitation_id: UUID,
        now: datetime,
        tenant_id: UUID | None = None,
    ) -> tuple[Invitation, str]:
        """A fresh link (the old one stops working): only the hash of the first was kept."""
        old = await self.get(invitation_id, tenant_id)
        if old.used_at is not None:
            raise DomainError("Deze uitnodiging is al aanvaard.")
        return await self.create(
            actor, actor_memberships, old.email, old.role, tenant_id=old.tenant_id, poi_id=old.poi_id, now=now
        )

    async def record_delivery(self, actor: UUID | None, inv: Invitation, how: str) -> None:
        """How the link went out, in the audit log: `mailed`, `link_shown` (the mail failed; the inviter saw the
        link once, to pass it on) or `link_printed` (the command line)."""
        if how not in DELIVERIES:
            raise ValueError(how)
        async with self.db.tenant_or_platform(inv.tenant_id) as conn:
            await admin_audit.record(
                conn,
                actor,
                f"invitation.{how}",
                "invitation",
                inv.invitation_id,
                **_where(inv.role, inv.tenant_id, inv.poi_id),
            )

    async def revoke(
        self, actor: UUID, invitation_id: UUID, now: datetime, tenant_id: UUID | None = None
    ) -> None:
        inv = await self.get(invitation_id, tenant_id)
        async with self.db.tenant_or_platform(tenant_id) as conn:
            await conn.execute(
                text(
                    "UPDATE invitations SET revoked_at = :now WHERE invitation_id = :id "
                    "AND used_at IS NULL AND revoked_at IS NULL"
                ),
                {"id": invitation_id, "now": now},
            )
            await admin_audit.record(
                conn,
                actor,
                "invitation.revoked",
                "invitation",
                invitation_id,
                **_where(inv.role, inv.tenant_id, inv.poi_id),
            )

    async def get(self, invitation_id: UUID, tenant_id: UUID | None = None) -> Invitation:
        """`tenant_id`: the library whose invitation it is; None for a POI or KB invitation."""
        found = await self._select(tenant_id, "WHERE i.invitation_id = :id", id=invitation_id)
        if not found:
            raise NotFound("Deze uitnodiging bestaat niet.")
        return found[0]

    async def find(self, token: str) -> Invitation | None:
        if not token or len(token) > 100:
            return None
        found = await self._select(None, "", source=_BY_LINK, h=token_hash(token))
        return found[0] if found else None

    async def pending(
        self, *, tenant_id: UUID | None = None, poi_ids: Iterable[UUID] = (), role: Role | None = None
    ) -> list[Invitation]:
        """Invitations not yet accepted nor replaced (expired ones included: they can be sent again)."""
        where = "WHERE i.used_at IS NULL AND i.revoked_at IS NULL"
        params: dict[str, Any] = {}
        if tenant_id is not None:
            where += " AND i.tenant_id = :t"
            params["t"] = tenant_id
        if pois := list(poi_ids):
            where += " AND i.poi_id = ANY(:pois)"
            params["pois"] = pois
        if role is not None:
            where += " AND i.role = :role"
            params["role"] = role.value
        return await self._select(tenant_id, where + " ORDER BY i.created_at DESC", **params)

    async def accept(self, token: str, password_hash: str | None, now: datetime) -> UUID | None:
        """Use the link once: the user (new, or existing and active) gets the membership and is marked logged
        in. A new user's password is set; an existing password is never overwritten. None: the link is not
        (or no longer) usable, and nothing changed."""
        found = await self.find(token)
        if found is None:
            return None
        async with self.db.tenant_or_platform(found.tenant_id) as conn:
            row = (await conn.execute(_CONSUME, {"h": token_hash(token), "now": now})).first()
            if row is None:
                return None
            user_id = (
                await conn.execute(
                    _USER, {"id": uuid4(), "email": row.email, "hash": password_hash, "now": now}
                )
            ).scalar()
            if user_id is None:
                raise DomainError("Dit account is uitgeschakeld. Neem contact op met uw coördinator.")
            await conn.execute(
                text(
                    "INSERT INTO memberships (membership_id, user_id, role, tenant_id, poi_id) "
                    "VALUES (:id, :u, :role, :t, :p) ON CONFLICT DO NOTHING"
                ),
                {"id": uuid4(), "u": user_id, "role": row.role, "t": row.tenant_id, "p": row.poi_id},
            )
            await conn.execute(
                text("UPDATE invitations SET user_id = :u WHERE invitation_id = :id"),
                {"u": user_id, "id": row.invitation_id},
            )
            where = _where(Role(row.role), row.tenant_id, row.poi_id)
            await admin_audit.record(
                conn, user_id, "invitation.accepted", "invitation", row.invitation_id, **where
            )
        return user_id

    async def _select(
        self, tenant_id: UUID | None, where: str, source: str = "invitations", **params: Any
    ) -> list[Invitation]:
        async with self.db.tenant_or_platform(tenant_id) as conn:
            rows = (await conn.execute(text(_SELECT.format(source=source) + where), params)).all()
        return [_invitation(r) for r in rows]

    @staticmethod
    async def _has_membership(
        conn: AsyncConnection, email: str, role: Role, tenant_id: UUID | None, poi_id: UUID | None
    ) -> bool:
        return bool(
            (
                await conn.execute(
                    text(
                        "SELECT 1 FROM users u JOIN memberships m USING (user_id) WHERE u.email = :e "
                        "AND m.role = :r AND m.tenant_id IS NOT DISTINCT FROM :t "
                        "AND m.poi_id IS NOT DISTINCT FROM :p"
                    ),
                    {"e": email, "r": role.value, "t": tenant_id, "p": poi_id},
                )
            ).first()
        )

    @staticmethod
    async def _revoke_open(
        conn: AsyncConnection,
        email: str,
        role: Role,
        tenant_id: UUID | None,
        poi_id: UUID | None,
        now: datetime,
    ) -> None:
        await conn.execute(
            text(
                "UPDATE invitations SET revoked_at = :now WHERE email = :e AND role = :r "
                "AND tenant_id IS NOT DISTINCT FROM :t AND poi_id IS NOT DISTINCT FROM :p "
                "AND used_at IS NULL AND revoked_at IS NULL"
            ),
            {"e": email, "r": role.value, "t": tenant_id, "p": poi_id, "now": now},
        )


def _where(role: Role, tenant_id: UUID | None, poi_id: UUID | None) -> dict[str, Any]:
    """Audit details: the role and the place, never the address."""
    return {"role": role.value, "role_label": ROLE_LABELS[role], "tenant_id": tenant_id, "poi_id": poi_id}
