"""The public survey's rate limit per address, reserved atomically in Redis with "now" passed in (as the login
throttle): a sorted set of the requests from one address in the last day, checked and counted in one script.
The address is kept only as a keyed hash, in a key that expires a day after its last request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from redis.asyncio import Redis

from domain.survey import SurveyLimits

# KEYS[1] the address's sorted set (member: a random id per request, score: its time)
# ARGV    now, window, per_window, day, per_day, member — times in seconds from the caller's clock
_RESERVE = """
local now = tonumber(ARGV[1])
local window, per_window = tonumber(ARGV[2]), tonumber(ARGV[3])
local day, per_day = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - day)
if redis.call('ZCARD', KEYS[1]) >= per_day then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + day)}
end
local recent = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. tostring(now - window), '+inf', 'WITHSCORES')
if #recent / 2 >= per_window then
  return {0, tostring(tonumber(recent[2]) + window)}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[6])
redis.call('EXPIRE', KEYS[1], day)
return {1, ''}
"""


class SurveyThrottle:
    """Requests to the public survey per address: `reserve` counts one and answers when the next is allowed
    again if this one is refused (None: allowed)."""

    def __init__(self, redis: Redis, secret: str) -> None:
        self.redis = redis
        self.secret = secret.encode()
        self._reserve = redis.register_script(_RESERVE)

    def key(self, what: str, address: str) -> str:
        """A keyed hash of the address: no address in the clear in Redis."""
        digest = hmac.new(self.secret, address.encode(), hashlib.sha256).hexdigest()[:32]
        return f"ido:survey:{what}:{digest}"

    async def reserve(self, what: str, address: str, now: datetime, limits: SurveyLimits) -> datetime | None:
        args = [repr(now.timestamp()), limits.window, limits.per_window, limits.day, limits.per_day]
        allowed, at = await self._reserve(keys=[self.key(what, address)], args=[*args, secrets.token_hex(8)])
        return None if allowed else datetime.fromtimestamp(float(at), now.tzinfo)
