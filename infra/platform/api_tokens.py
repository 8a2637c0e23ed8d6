"""A user's own API tokens: named, shown once at creation (only the sha256 is stored), revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import text

from domain.errors import DomainError
from infra.platform.accounts import token_hash
from infra.store.db import Database

MAX_ACTIVE = 20


@dataclass(frozen=True)
class ApiToken:
    token_id: UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def check_token_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError("Geef het token een naam, bijvoorbeeld waarvoor u het gebruikt.", field="name")
    if len(name) > 100:
        raise DomainError("Een naam heeft hoogstens 100 tekens.", field="name")
    return name


class ApiTokens:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def of_user(self, user_id: UUID) -> list[ApiToken]:
        async with self.db.platform() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT token_id, name, created_at, last_used_at, revoked_at FROM api_tokens "
                        "WHERE user_id = :u ORDER BY revoked_at IS NOT NULL, created_at DESC"
                    ),
                    {"u": user_id},
                )
            ).all()
        return [ApiToken(*r) for r in rows]

    async def create(self, user_id: UUID, name: str) -> str:
        """Answer the token itself; it cannot be shown again. Raises: DomainError."""
        name = check_token_name(name)
        if sum(t.revoked_at is None for t in await self.of_user(user_id)) >= MAX_ACTIVE:
            raise DomainError(f"U heeft al {MAX_ACTIVE} tokens; trek er eerst een in.", field="name")
        token = "ido_" + secrets.token_urlsafe(32)
        async with self.db.platform() as conn:
            await conn.execute(
                text(
                    "INSERT INTO api_tokens (token_id, user_id, name, token_hash) "
                    "VALUES (:id, :u, :name, :hash)"
                ),
                {"id": uuid4(), "u": user_id, "name": name, "hash": token_hash(token)},
            )
        return token

    async def revoke(self, user_id: UUID, token_id: UUID) -> bool:
        """Only the owner's own token; False when there is no such (unrevoked) token."""
        async with self.db.platform() as conn:
            done = (
                await conn.execute(
                    text(
                        "UPDATE api_tokens SET revoked_at = now() WHERE token_id = :t AND user_id = :u "
                        "AND revoked_at IS NULL RETURNING token_id"
                    ),
                    {"t": token_id, "u": user_id},
                )
            ).first()
        return done is not None
