"""Login attempts reserved atomically in Redis before a password is checked, with "now" passed in."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from redis.asyncio import Redis

from domain.login_throttle import Attempt, ThrottlePolicy, locked_until

# One script, so that checking every limit and counting the attempt is one step: requests sent at once are
# ordered by Redis, and no more than the limit of them get to a password check. Times are seconds since the
# epoch from the caller's clock (ARGV[1], kept as the caller wrote it); results travel as strings because
# Redis truncates Lua numbers to integers.
#   KEYS[1]  the account: n:<address> and t:<address> (failures from that address, the last one's time),
#            total and since (the account-wide run of failures since the last success, and its start)
#   KEYS[2]  the address: a sorted set of accounts that failed from it, scored by the last failure
#   ARGV     now, address, account id, lock_after, pair_memory, account_limit, account_window,
#            address_accounts, address_window, then the delays
_RESERVE = """
local now = tonumber(ARGV[1])
local addr, member = ARGV[2], ARGV[3]
local lock_after, pair_memory = tonumber(ARGV[4]), tonumber(ARGV[5])
local acct_limit, acct_window = tonumber(ARGV[6]), tonumber(ARGV[7])
local addr_limit, addr_window = tonumber(ARGV[8]), tonumber(ARGV[9])
local function delay(n)
  if n < lock_after then return 0 end
  return tonumber(ARGV[9 + math.min(n - lock_after + 1, #ARGV - 9)])
end
local n = tonumber(redis.call('HGET', KEYS[1], 'n:' .. addr) or '0')
local t = tonumber(redis.call('HGET', KEYS[1], 't:' .. addr) or '0')
if now - t >= pair_memory then n = 0 end
if delay(n) > 0 and now < t + delay(n) then return {0, n, tostring(t + delay(n)), 'pair'} end
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
local since = redis.call('HGET', KEYS[1], 'since') or ARGV[1]
if now - tonumber(since) >= acct_window then total, since = 0, ARGV[1] end
if total >= acct_limit then return {0, n, tostring(tonumber(since) + acct_window), 'account'} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - addr_window)
if not redis.call('ZSCORE', KEYS[2], member) and redis.call('ZCARD', KEYS[2]) >= addr_limit then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {0, n, tostring(tonumber(oldest[2]) + addr_window), 'address'}
end
n = n + 1
redis.call('HSET', KEYS[1], 'n:' .. addr, n, 't:' .. addr, ARGV[1], 'total', total + 1, 'since', since)
redis.call('EXPIRE', KEYS[1], math.max(pair_memory, acct_window))
redis.call('ZADD', KEYS[2], ARGV[1], member)
redis.call('EXPIRE', KEYS[2], addr_window)
if delay(n) > 0 then return {1, n, tostring(now + delay(n)), ''} end
return {1, n, '', ''}
"""

# A success ends the run of failures only when no attempt from the same address was reserved after it: attempts
# sent at once with the right password among them stay counted, so no more than the limit is ever checked.
#   KEYS, as above; ARGV  address, account id, the success's own count (n after its reservation)
_SUCCEEDED = """
if tonumber(redis.call('HGET', KEYS[1], 'n:' .. ARGV[1]) or '0') ~= tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[1], 'n:' .. ARGV[1], 't:' .. ARGV[1], 'total', 'since')
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
"""


class LoginThrottle:
    """Every attempt is counted as a failure before the password is checked; a success takes it back.
    Unknown accounts are counted exactly like known ones."""

    def __init__(self, redis: Redis, secret: str, policy: ThrottlePolicy | None = None) -> None:
        self.redis = redis
        self.secret = secret.encode()
        self.policy = policy or ThrottlePolicy()
        self._reserve = redis.register_script(_RESERVE)
        self._succeeded = redis.register_script(_SUCCEEDED)

    def _account(self, email: str) -> str:
        """A keyed hash of the address typed: no e-mail addresses in Redis key names."""
        normal = email.strip().lower().encode()
        return hmac.new(self.secret, normal, hashlib.sha256).hexdigest()[:32]

    @staticmethod
    def address_key(address: str) -> str:
        return f"ido:login:addr:{address}"

    def _keys(self, email: str, address: str) -> tuple[str, str, str]:
        account = self._account(email)
        return f"ido:login:acct:{account}", self.address_key(address), account

    async def reserve(self, email: str, address: str, now: datetime) -> Attempt:
        acct, addr, account = self._keys(email, address)
        p = self.policy
        limits = (p.lock_after, p.pair_memory, p.account_limit, p.account_window)
        args = (repr(now.timestamp()), address, account, *limits, p.address_accounts, p.address_window)
        allowed, failures, at, reason = await self._reserve(keys=[acct, addr], args=[*args, *p.delays])
        retry_at = datetime.fromtimestamp(float(at), now.tzinfo) if at else None
        return Attempt(bool(allowed), int(failures), retry_at, reason.decode())

    async def succeeded(self, email: str, address: str, attempt: Attempt) -> bool:
        """The right password on `attempt`: this address's failures and the account-wide run end, and the
        account no longer counts against the address — unless another attempt from the address was reserved
        after this one (sent at the same time), which stays counted. Answer whether the run ended."""
        acct, addr, account = self._keys(email, address)
        return bool(await self._succeeded(keys=[acct, addr], args=[address, account, attempt.failures]))

    async def clear(self, email: str) -> None:
        """Unlock at every address (an unlock by the coordinator or admin, a password reset)."""
        await self.redis.delete(self._keys(email, "")[0])

    async def locked_until(self, emails: list[str], now: datetime) -> dict[str, datetime]:
        """The accounts among these that wait at some address now, and until when."""
        async with self.redis.pipeline(transaction=False) as p:
            for email in emails:
                p.hgetall(self._keys(email, "")[0])
            states = await p.execute()
        found = {}
        for email, raw in zip(emails, states, strict=True):
            fields = {k.decode(): v.decode() for k, v in raw.items()}
            if until := locked_until(fields, self.policy, now):
                found[email] = until
        return found
