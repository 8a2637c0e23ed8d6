"""Server-side sessions in Redis: a fresh id at every login, idle and absolute timeouts, log out everywhere."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

import msgspec
from redis.asyncio import Redis

from domain.ports import Clock

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
REFRESH_SECONDS = 60


class SessionData(msgspec.Struct, frozen=True):
    user_id: str
    auth_at: float
    seen_at: float


@dataclass(frozen=True)
class Session:
    session_id: str
    user_id: UUID
    auth_at: float


class SessionStore:
    def __init__(
        self, redis: Redis, clock: Clock, idle: int = IDLE_SECONDS, absolute: int = ABSOLUTE_SECONDS
    ) -> None:
        """The timeouts follow `clock`; the Redis TTL only removes what has expired."""
        self.redis = redis
        self.clock = clock
        self.idle = idle
        self.absolute = absolute

    @staticmethod
    def _key(session_id: str) -> str:
        return f"ido:session:{session_id}"

    @staticmethod
    def _user_key(user_id: UUID | str) -> str:
        return f"ido:user-sessions:{user_id}"

    async def create(self, user_id: UUID, *, replacing: str | None = None) -> str:
        """A new random id; the id the browser had before login is deleted, never promoted."""
        if replacing:
            await self.destroy(replacing)
        session_id = secrets.token_urlsafe(32)
        now = self.clock().timestamp()
        data = msgspec.json.encode(SessionData(str(user_id), now, now))
        async with self.redis.pipeline(transaction=True) as p:
            p.set(self._key(session_id), data, ex=self.idle)
            p.sadd(self._user_key(user_id), session_id)
            p.expire(self._user_key(user_id), self.absolute)
            await p.execute()
        return session_id

    async def get(self, session_id: str) -> Session | None:
        if not session_id or len(session_id) > 100:
            return None
        raw = await self.redis.get(self._key(session_id))
        if raw is None:
            return None
        data = msgspec.json.decode(raw, type=SessionData)
        now = self.clock().timestamp()
        if now - data.auth_at > self.absolute or now - data.seen_at > self.idle:
            await self.destroy(session_id)
            return None
        if (
            now - data.seen_at < REFRESH_SECONDS
        ):  # idle timeout precise to a minute; saves a write per request
            return Session(session_id, UUID(data.user_id), data.auth_at)
        remaining = int(min(self.idle, self.absolute - (now - data.auth_at))) + 1
        await self.redis.set(
            self._key(session_id),
            msgspec.json.encode(SessionData(data.user_id, data.auth_at, now)),
            ex=remaining,
        )
        return Session(session_id, UUID(data.user_id), data.auth_at)

    async def destroy(self, session_id: str) -> None:
        raw = await self.redis.getdel(self._key(session_id))
        if raw is not None:
            data = msgspec.json.decode(raw, type=SessionData)
            await self.redis.srem(self._user_key(data.user_id), session_id)

    async def destroy_all(self, user_id: UUID) -> int:
        ids = await self.redis.smembers(self._user_key(user_id))
        async with self.redis.pipeline(transaction=True) as p:
            for sid in ids:
                p.delete(self._key(sid.decode() if isinstance(sid, bytes) else sid))
            p.delete(self._user_key(user_id))
            await p.execute()
        return len(ids)
