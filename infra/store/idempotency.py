"""The idempotency record of a request: the key is claimed in the transaction that does the work, and the
answer is stored in it, so a request runs once per key however often it arrives (infra/store/unit_of_work.py)."""

from __future__ import annotations

import hashlib
import weakref
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from domain.errors import IdempotencyConflict
from domain.ports import Outcome
from infra.store.codec import from_jsonb, json_dumps
from infra.store.db import fetch

_STORED = "SELECT request_hash, status, response::text AS response FROM idempotency_keys WHERE tenant_id = $1 AND key = $2"


def request_hash(payload: Any) -> bytes:
    return hashlib.sha256(msgspec.json.encode(payload, order="sorted")).digest()


# For the simple query protocol (several statements in one round trip: the unit of work's BEGIN and claim, answer and
# COMMIT), the statements are prepared once on each connection that runs them (`prepared`) and run with EXECUTE,
# so PostgreSQL plans them as seldom as asyncpg's prepared ones. Their arguments go in as text: the key (the client's)
# and the answer as hex that PostgreSQL decodes, so no character of them is ever read as SQL; a NUL or broken UTF-8
# in the key fails as it would as a parameter (22021).
PREPARE = (
    "PREPARE ido_claim (uuid, text, bytea) AS INSERT INTO idempotency_keys (tenant_id, key, request_hash) "
    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING; "
    "PREPARE ido_answer (uuid, text, integer, text) AS UPDATE idempotency_keys SET status = $3, "
    "response = CAST($4 AS jsonb) WHERE tenant_id = $1 AND key = $2"
)


_prepared: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()


async def prepared(conn: asyncpg.Connection) -> asyncpg.Connection:
    """`conn`, with PREPARE's statements prepared on it (one round trip, the first time). A connection on which
    that fails is closed, never lent again half prepared (prepared statements outlive a rollback)."""
    if conn not in _prepared:
        try:
            await conn.execute(PREPARE)
        except BaseException:
            conn.terminate()
            raise
        _prepared.add(conn)
    return conn


def _text(value: str) -> str:
    return f"convert_from(decode('{value.encode('utf-8', 'surrogateescape').hex()}', 'hex'), 'UTF8')"


def _claim_text(tenant_id: UUID, key: str, digest: bytes) -> str:
    return f"EXECUTE ido_claim ('{UUID(str(tenant_id))}', {_text(key)}, decode('{digest.hex()}', 'hex'))"


def answer_text(tenant_id: UUID, key: str, outcome: Outcome) -> str:
    """The answer's statement as text, to go with the COMMIT in one round trip."""
    return (
        f"EXECUTE ido_answer ('{UUID(str(tenant_id))}', {_text(key)}, {int(outcome.status)}, "
        f"{_text(json_dumps(outcome.body))})"
    )


async def claim(
    conn: asyncpg.Connection, tenant_id: UUID, key: str, payload: Any, *, begin: str = ""
) -> Outcome | None:
    """Claim `key` in `conn`'s transaction (None: it is ours now). The same key with the same payload answers
    what the first request answered, also while the first is still running: the claim waits for it. A
    transaction that rolls back releases the claim with its work, so a refused request does not use up its key.
    `begin`, the statements that begin the transaction (when it has not begun), goes in the claim's round trip.

    Raises: IdempotencyConflict for the same key with another payload."""
    digest = request_hash(payload)
    statement = _claim_text(tenant_id, key, digest)
    await prepared(conn)
    if await conn.execute(f"{begin}; {statement}" if begin else statement) == "INSERT 0 1":
        return None
    [row] = await fetch(conn, _STORED, tenant_id, key)
    if bytes(row["request_hash"]) != digest:
        raise IdempotencyConflict(key)
    return Outcome(row["status"], from_jsonb(row["response"]), replayed=True)
