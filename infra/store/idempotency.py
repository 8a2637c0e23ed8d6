"""The idempotency record of a request: the key is claimed in the transaction that does the work, and the
answer is stored in it, so a request runs once per key however often it arrives (infra/store/unit_of_work.py)."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import msgspec

from domain.errors import IdempotencyConflict
from domain.ports import Outcome
from infra.store.codec import from_jsonb, json_dumps
from infra.store.db import Conn, fetch

_CLAIM = (
    "INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING key"
)
_STORED = "SELECT request_hash, status, response::text AS response FROM idempotency_keys WHERE tenant_id = $1 AND key = $2"
_ANSWER = (
    "UPDATE idempotency_keys SET status = $3, response = CAST($4 AS jsonb) WHERE tenant_id = $1 AND key = $2"
)


def request_hash(payload: Any) -> bytes:
    return hashlib.sha256(msgspec.json.encode(payload, order="sorted")).digest()


async def claim(conn: Conn, tenant_id: UUID, key: str, payload: Any) -> Outcome | None:
    """Claim `key` in `conn`'s transaction (None: it is ours now). The same key with the same payload answers
    what the first request answered, also while the first is still running: the claim waits for it. A
    transaction that rolls back releases the claim with its work, so a refused request does not use up its key.

    Raises: IdempotencyConflict for the same key with another payload."""
    digest = request_hash(payload)
    if await fetch(conn, _CLAIM, tenant_id, key, digest):
        return None
    [row] = await fetch(conn, _STORED, tenant_id, key)
    if bytes(row["request_hash"]) != digest:
        raise IdempotencyConflict(key)
    return Outcome(row["status"], from_jsonb(row["response"]), replayed=True)


async def answer(conn: Conn, tenant_id: UUID, key: str, outcome: Outcome) -> None:
    await fetch(conn, _ANSWER, tenant_id, key, outcome.status, json_dumps(outcome.body))
