"""The login throttle's rule: limits per account and address, per account and per address, and what it says."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.calendar import MONTHS, local, local_day
from domain.errors import DomainError


@dataclass(frozen=True)
class ThrottlePolicy:
    """Seconds and counts; docs/decisions.md (2026-12-06) says why these."""

    lock_after: int = 5  # failures of one account from one address before the first wait
    delays: tuple[int, ...] = (
        60,
        5 * 60,
        15 * 60,
        60 * 60,
    )  # the waits after the 5th, 6th, 7th, later failure
    pair_memory: int = 24 * 60 * 60  # failures of an account at an address are forgotten a day after the last
    account_limit: int = 100  # failures of an account from all addresses, without a success in between …
    account_window: int = 24 * 60 * 60  # … counted for a day from the first
    address_accounts: int = 20  # distinct accounts failing from one address …
    address_window: int = 60 * 60  # … within an hour

    def delay_after(self, failures: int) -> int:
        """The wait in seconds after this many failures of an account at one address."""
        if failures < self.lock_after:
            return 0
        return self.delays[min(failures - self.lock_after, len(self.delays) - 1)]


class LoginThrottled(DomainError):
    """An attempt refused before its password was checked (HTTP 429)."""

    code = "throttled"


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt (`allowed`) or a refusal before any password is checked.

    Allowed: `retry_at` is the end of the wait that starts if this attempt fails (None: it starts none), and
    `failures` counts this attempt. Refused: `reason` is "pair", "account" or "address" and `retry_at` says when
    an attempt is possible again."""

    allowed: bool
    failures: int
    retry_at: datetime | None = None
    reason: str = ""


def failure_notice(attempt: Attempt, policy: ThrottlePolicy, now: datetime) -> str | None:
    """What follows "wrong password": when to try again if this failure starts a wait, a warning if the next
    failure will, else nothing. The same for unknown accounts as for known ones."""
    if attempt.retry_at is not None:
        return f"U kunt het opnieuw proberen {_at(attempt.retry_at, now)}."
    wait = policy.delay_after(attempt.failures + 1)
    if wait:
        return f"Let op: na nog één mislukte poging moet u {_duration(wait)} wachten."
    return None


def refusal(attempt: Attempt, now: datetime) -> str:
    """Why no password was checked, and when it will be again."""
    at = _at(attempt.retry_at or now, now)
    if attempt.reason == "address":
        return f"Te veel mislukte pogingen vanaf dit netwerk. Probeer het opnieuw {at}."
    if attempt.reason == "account":
        return (
            f"Te veel mislukte pogingen voor dit account. Probeer het opnieuw {at}, "
            "of vraag uw coördinator de blokkering op te heffen."
        )
    return f"Te veel mislukte pogingen. Probeer het opnieuw {at}."


def locked_until(fields: dict[str, str], policy: ThrottlePolicy, now: datetime) -> datetime | None:
    """The end of the latest wait in an account's stored state (address → failures and last time, and the
    account-wide run), rounded up to the minute as the login form says it; None when no address waits now."""
    ends = []
    for name, count in fields.items():
        wait = policy.delay_after(int(count)) if name.startswith("n:") else 0
        if wait and (last := fields.get("t:" + name[2:])):
            ends.append(float(last) + wait)
    if int(fields.get("total", 0)) >= policy.account_limit:
        ends.append(float(fields["since"]) + policy.account_window)
    end = max(ends, default=0.0)
    return _whole_minute(datetime.fromtimestamp(end, now.tzinfo)) if end > now.timestamp() else None


def check_may_unlock(tenant_ids: Iterable[object], tenant_id: object) -> None:
    """A coordinator unlocks accounts of their own library alone; one that also works elsewhere is the
    platform admin's. Raises: DomainError."""
    tenants = set(tenant_ids)
    if tenant_id not in tenants:
        raise DomainError("Deze gebruiker hoort niet bij uw bibliotheek.")
    if tenants != {tenant_id}:
        raise DomainError(
            "Deze gebruiker werkt ook voor een andere bibliotheek of organisatie; "
            "vraag de platformbeheerder de blokkering op te heffen."
        )


def _at(instant: datetime, now: datetime) -> str:
    """ "om 10:42" (rounded up, so that trying then works), with the date when it is not today."""
    whole = local(_whole_minute(instant))
    if local_day(whole) == local_day(now):
        return f"om {whole:%H:%M}"
    return f"op {whole.day} {MONTHS[whole.month - 1]} om {whole:%H:%M}"


def _whole_minute(instant: datetime) -> datetime:
    whole = instant.replace(second=0, microsecond=0)
    return whole + timedelta(minutes=1) if whole < instant else whole


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} uur"
    minutes = math.ceil(seconds / 60)
    return "1 minuut" if minutes == 1 else f"{minutes} minuten"
