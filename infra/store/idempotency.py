"""The idempotency record of a request: the key is claimed in the transaction that does the work, and the
answer is stored in it, so a request runs once per key however often it arrives (infra/store/unit_of_work.py)."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import IdempotencyConflict
from domain.ports import Outcome
from infra.store.codec import from_jsonb, json_dumps

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


async def claim(conn: AsyncConnection, tenant_id: UUID, key: str, payload: Any) -> Outcome | None:
    """Claim `key` in `conn`'s transaction (None: it is ours now). The same key with the same payload answers
    what the first request answered, also while the first is still running: the claim waits for it. A
    transaction that rolls back releases the claim with its work, so a refused request does not use up its key.

    Raises: IdempotencyConflict for the same key with another payload."""
    digest = request_hash(payload)
    if (await conn.execute(_CLAIM, {"t": tenant_id, "k": key, "h": digest})).scalar() is not None:
        return None
    row = (await conn.execute(_STORED, {"t": tenant_id, "k": key})).one()
    if bytes(row.request_hash) != digest:
        raise IdempotencyConflict(key)
    return Outcome(row.status, from_jsonb(row.response), replayed=True)


async def answer(conn: AsyncConnection, tenant_id: UUID, key: str, outcome: Outcome) -> None:
    await conn.execute(
        _ANSWER, {"t": tenant_id, "k": key, "s": outcome.status, "r": json_dumps(outcome.body)}
    )
