"""People as their coordinator, POI or the platform admin see them: who has which role where, last login,
status, a login lock; switching an account off (its sessions end at once, its API tokens stop working) and on
again, and lifting its login lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text

from domain.accounts import ROLE_LABELS, Role
from domain.errors import DomainError, NotFound
from domain.login_throttle import check_may_unlock
from domain.onboarding import check_may_deactivate
from infra.platform import admin_audit
from infra.platform.accounts import Membership
from infra.platform.login_throttle import LoginThrottle
from infra.platform.sessions import SessionStore
from infra.store.db import Database

_PEOPLE = """
SELECT u.user_id, u.email, u.active, u.last_login_at, u.password_hash IS NOT NULL,
       array_agg(DISTINCT m.role) FILTER (WHERE {here}), bool_or(NOT ({here}))
FROM users u JOIN memberships m USING (user_id)
GROUP BY u.user_id HAVING bool_or({here}) ORDER BY u.email
"""


@dataclass(frozen=True)
class Person:
    user_id: UUID
    email: str
    active: bool
    last_login_at: datetime | None
    has_password: bool
    roles: tuple[Role, ...]
    elsewhere: bool  # also has a role outside this library or POI
    locked_until: datetime | None = None  # login refused (at some address) until then

    @property
    def role_labels(self) -> str:
        return ", ".join(ROLE_LABELS[r] for r in self.roles)


class Staff:
    def __init__(
        self,
        db: Database,
        sessions: SessionStore,
        throttle: LoginThrottle | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.sessions = sessions
        self.throttle = throttle
        self.clock = clock

    async def of_library(self, tenant_id: UUID) -> list[Person]:
        return await self._people("coalesce(m.tenant_id = :t, false)", t=tenant_id)

    async def of_poi(self, poi_ids: list[UUID]) -> list[Person]:
        return await self._people("coalesce(m.poi_id = ANY(:pois), false)", pois=poi_ids)

    async def kb_analysts(self) -> list[Person]:
        return await self._people("m.role = 'kb_analyst'")

    async def _people(self, here: str, **params: Any) -> list[Person]:
        sql = _PEOPLE.format(here=here)
        async with self.db.platform() as conn:
            rows = (await conn.execute(text(sql), params)).all()
        order = list(Role)
        people = [
            Person(*r[:5], tuple(sorted((Role(x) for x in r[5]), key=order.index)), bool(r[6])) for r in rows
        ]
        return await self._with_locks(people)

    async def _with_locks(self, people: list[Person]) -> list[Person]:
        if self.throttle is None or self.clock is None or not people:
            return people
        locks = await self.throttle.locked_until([p.email for p in people], self.clock())
        return [replace(p, locked_until=locks.get(p.email)) for p in people]

    async def unlock_in_library(self, actor: UUID, tenant_id: UUID, user_id: UUID) -> None:
        """A coordinator lifts the login lock of an account of their library. Raises: NotFound (not in this
        library), DomainError (it also works elsewhere)."""
        memberships = await self._memberships(user_id)
        if not any(m.tenant_id == tenant_id for m in memberships):
            raise NotFound("Deze gebruiker bestaat niet.")
        check_may_unlock((m.tenant_id for m in memberships), tenant_id)
        await self.unlock(actor, user_id, tenant_id=tenant_id)

    async def unlock(self, actor: UUID, user_id: UUID, **details: object) -> None:
        """Every address may try again at once; recorded with the other user changes. Raises: NotFound."""
        assert self.throttle is not None, "Staff without a throttle cannot unlock"
        async with self.db.platform() as conn:
            email = (
                await conn.execute(text("SELECT email FROM users WHERE user_id = :u"), {"u": user_id})
            ).scalar()
            if email is None:
                raise NotFound("Deze gebruiker bestaat niet.")
            await admin_audit.record(conn, actor, "user.unlocked", "user", user_id, **details)
            await self.throttle.clear(email)  # inside the transaction: no unlock without its record

    async def set_active_in_library(self, actor: UUID, tenant_id: UUID, user_id: UUID, active: bool) -> None:
        """A coordinator switches an account of their library off or on. Raises: DomainError (their own
        account, or one that also works elsewhere), NotFound (not in this library)."""
        memberships = await self._memberships(user_id)
        if not any(m.tenant_id == tenant_id for m in memberships):
            raise NotFound("Deze gebruiker bestaat niet.")
        check_may_deactivate(actor, user_id, memberships, tenant_id)
        await self._set_active(actor, user_id, active, tenant_id=tenant_id)

    async def set_active(self, actor: UUID, user_id: UUID, active: bool) -> None:
        """The platform admin switches any account but their own off or on. Raises: DomainError, NotFound."""
        if actor == user_id:
            raise DomainError("U kunt uw eigen account niet deactiveren.")
        if not await self._memberships(user_id):
            raise NotFound("Deze gebruiker bestaat niet.")
        await self._set_active(actor, user_id, active)

    async def _set_active(self, actor: UUID, user_id: UUID, active: bool, **details: object) -> None:
        """Off: the account's sessions end now; its API tokens stop with users.active (user_for_token)."""
        action = "user.reactivated" if active else "user.deactivated"
        async with self.db.platform() as conn:
            await conn.execute(
                text("UPDATE users SET active = :a WHERE user_id = :u"), {"a": active, "u": user_id}
            )
            await admin_audit.record(conn, actor, action, "user", user_id, **details)
        if not active:
            await self.sessions.destroy_all(user_id)

    async def _memberships(self, user_id: UUID) -> list[Membership]:
        """All of them, also those in a deactivated library (unlike Accounts.user_by_id)."""
        async with self.db.platform() as conn:
            rows = (
                await conn.execute(
                    text("SELECT role, tenant_id, poi_id FROM memberships WHERE user_id = :u"), {"u": user_id}
                )
            ).all()
        return [Membership(Role(r.role), r.tenant_id, r.poi_id) for r in rows]

    async def set_password(self, user_id: UUID, password_hash: str) -> None:
        async with self.db.platform() as conn:
            await conn.execute(
                text("UPDATE users SET password_hash = :p WHERE user_id = :u"),
                {"p": password_hash, "u": user_id},
            )
