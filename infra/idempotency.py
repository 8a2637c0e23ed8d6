"""Run a request once per idempotency key: the key, the work and the stored answer commit in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import IdempotencyConflict
from infra.codec import from_jsonb, json_dumps
from infra.db import Database

Action = Callable[[AsyncConnection], Awaitable[tuple[int, dict[str, Any]]]]

_CLAIM = text(
    "INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES (:t, :k, :h) "
    "ON CONFLICT DO NOTHING RETURNING key"
)
_STORED = text(
    "SELECT request_hash, status, response FROM idempotency_keys WHERE tenant_id = :t AND key = :k"
)
_ANSWER = text(
    "UPDATE idempotency_keys SET status = :s, response = CAST(:r AS jsonb) WHERE tenant_id = :t AND key = :k"
)


def request_hash(payload: Any) -> bytes:
    return hashlib.sha256(msgspec.json.encode(payload, order="sorted")).digest()


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


async def run_once(db: Database, tenant_id: UUID, key: str, payload: Any, action: Action) -> Outcome:
    """Claim `key` and run `action(conn)` in the same tenant transaction, storing its (status, body).

    The same key with the same payload answers what the first request answered (`replayed`), also while the
    first is still running: the claim waits for it. An action that raises rolls the claim back with its
    work, so a refused request does not use up its key.

    Raises: IdempotencyConflict for the same key with another payload; whatever `action` raises."""
    digest = request_hash(payload)
    async with db.tenant(tenant_id) as conn:
        if (await conn.execute(_CLAIM, {"t": tenant_id, "k": key, "h": digest})).scalar() is None:
            row = (await conn.execute(_STORED, {"t": tenant_id, "k": key})).one()
            if bytes(row.request_hash) != digest:
                raise IdempotencyConflict(key)
            return Outcome(row.status, from_jsonb(row.response), replayed=True)
        status, body = await action(conn)
        await conn.execute(_ANSWER, {"t": tenant_id, "k": key, "s": status, "r": json_dumps(body)})
    return Outcome(status, body)
