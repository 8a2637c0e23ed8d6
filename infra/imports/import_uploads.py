"""Uploaded import files between the preview and the confirmation: in Redis for half an hour, bound to the
user and library that uploaded them, deleted once imported (never on disk)."""

from __future__ import annotations

import re
import secrets
from uuid import UUID

from redis.asyncio import Redis

TTL_SECONDS = 30 * 60
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class ImportUploads:
    def __init__(self, redis: Redis, ttl: int = TTL_SECONDS) -> None:
        self.redis = redis
        self.ttl = ttl

    @staticmethod
    def _key(token: str) -> str:
        return f"ido:legacy-import:{token}"

    async def put(self, user_id: UUID, tenant_id: UUID, name: str, content: bytes) -> str:
        token = secrets.token_urlsafe(24)
        async with self.redis.pipeline(transaction=True) as p:
            p.hset(
                self._key(token),
                mapping={
                    "user": str(user_id),
                    "tenant": str(tenant_id),
                    "name": name[:200],
                    "content": content,
                },
            )
            p.expire(self._key(token), self.ttl)
            await p.execute()
        return token

    async def get(self, token: str, user_id: UUID, tenant_id: UUID) -> tuple[str, bytes] | None:
        """The file name and content, or None when the token is unknown, expired or someone else's."""
        if not _TOKEN.fullmatch(token or ""):
            return None
        found = await self.redis.hgetall(self._key(token))
        if (
            not found
            or found.get(b"user") != str(user_id).encode()
            or found.get(b"tenant") != str(tenant_id).encode()
        ):
            return None
        return found[b"name"].decode(), found[b"content"]

    async def delete(self, token: str) -> None:
        if _TOKEN.fullmatch(token or ""):
            await self.redis.delete(self._key(token))
