"""The kwartaaloverzicht's sweep (the beat's "quarterly"; docs/quarterly-mail.md). When a quarter's mail is due
(domain/quarterly_mail.py), one row per user, library or POI, and quarter is inserted, ON CONFLICT DO NOTHING:
the claim before sending, so that a second sweep, beside this one or after a crash, adds nothing. Then the rows
that are due are sent as the notices are (infra/notify/notices.py): leased with FOR UPDATE SKIP LOCKED in a short
transaction, sent outside any transaction, the outcome recorded; a failure is tried again after the notices'
backoff until NOTICE_RETRY_FOR_HOURS. A worker killed between sending and recording leads at most to one repeat
after the lease. A coordinator's row is its library's (RLS); an adviser's row belongs to no library."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

import structlog
from sqlalchemy import text

from domain.ports import Clock
from domain.quarterly_mail import Due, Scope, due_mails, due_quarter
from domain.report import Period
from infra.notify import mail
from infra.notify.notices import backoff
from infra.notify.quarterly_letters import Letter, library_letter, poi_letter
from infra.platform.mail_preferences import unsubscribe_token
from infra.queries import quarterly
from infra.settings import Settings
from infra.store.db import Database

log = structlog.get_logger()
LEASE_SECONDS = 120
MAX_ROUNDS = 50  # batches per library (or of the POIs' mails) in one run; the next run takes the rest
UNSUBSCRIBE_PATH = "kwartaaloverzicht/afmelden"
DUE = "((m.status = 'pending' AND m.next_attempt_at <= now()) OR (m.status = 'sending' AND m.lease_until < now()))"

_INSERT = text("""
INSERT INTO quarterly_mails (mail_id, user_id, tenant_id, poi_id, year, quarter)
SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:users AS uuid[]), CAST(:tenants AS uuid[]),
                     CAST(:pois AS uuid[]), CAST(:years AS integer[]), CAST(:quarters AS integer[]))
ON CONFLICT DO NOTHING
""")
_SCOPES = text(f"SELECT DISTINCT m.tenant_id FROM quarterly_mails m WHERE {DUE}")
# still wanted: the user is active, gets the mail, and still coordinates the library or advises the POI
_CLAIM = f"""
UPDATE quarterly_mails m SET status = 'sending', attempts = m.attempts + 1,
       lease_until = now() + interval '{LEASE_SECONDS} seconds'
FROM (SELECT m.mail_id FROM quarterly_mails m WHERE {{scope}} AND {DUE}
      ORDER BY m.next_attempt_at LIMIT :n FOR UPDATE SKIP LOCKED) due, users u
WHERE m.mail_id = due.mail_id AND u.user_id = m.user_id
RETURNING m.mail_id, m.user_id, m.tenant_id, m.poi_id, m.year, m.quarter, m.attempts, u.email,
          extract(epoch FROM now() - m.created_at) / 3600 AS age_hours,
          u.active AND u.quarterly_mail AND EXISTS (
            SELECT 1 FROM memberships x WHERE x.user_id = m.user_id
              AND ((x.role = 'coordinator' AND x.tenant_id = m.tenant_id)
                   OR (x.role = 'poi_adviser' AND x.poi_id = m.poi_id))) AS wanted
"""
SKIPPED = "skipped"


def mail_id(due: Due) -> UUID:
    """The same id for the same mail, whichever sweep claims it."""
    return uuid5(NAMESPACE_URL, f"ido:kwartaaloverzicht:{due.user_id}:{due.scope_id}:{due.period.slug}")


@dataclass(frozen=True)
class Claimed:
    mail_id: UUID
    tenant_id: UUID | None  # the library of a coordinator's mail; None for an adviser's (about `poi_id`)
    poi_id: UUID | None
    user_id: UUID
    email: str
    period: Period
    attempt: int
    age_hours: float
    wanted: bool


class QuarterlyMail:
    def __init__(
        self,
        db: Database,
        reader: Database,
        settings: Settings,
        clock: Clock,
        send_mail: Callable[..., None] = mail.send,
    ) -> None:
        """`clock` decides which quarter is due; leases and retries run on the database's time."""
        self.db, self.reader, self.settings, self.clock = db, reader, settings, clock
        self.send_mail = send_mail

    async def run_once(self, limit: int = 20) -> int:
        """Claim the mails that fell due, send what is due; answer how many were sent."""
        await self.enqueue()
        async with self.reader.platform() as conn:
            scopes = (await conn.execute(_SCOPES)).scalars().all()
        sent = 0
        for tenant_id in scopes:
            for _ in range(MAX_ROUNDS):
                batch = await self.claim(tenant_id, limit)
                for c in batch:
                    outcome = await self.deliver(c)
                    await self.record(c, outcome)
                    sent += outcome is None
                if len(batch) < limit:
                    break
        return sent

    async def enqueue(self) -> int:
        """One row per mail due now that has none yet; answer how many were added."""
        now = self.clock()
        period = due_quarter(now)
        if period is None:  # outside a quarter's window: nothing to read
            return 0
        libraries = await quarterly.libraries(self.reader, period)
        wanted = due_mails(now, libraries, await quarterly.recipients(self.reader))
        by_scope: dict[UUID | None, list[Due]] = defaultdict(list)
        for d in wanted:
            by_scope[d.scope_id if d.scope == Scope.LIBRARY else None].append(d)
        added = 0
        for tenant_id, mails in by_scope.items():
            library = tenant_id is not None
            rows = {
                "ids": [mail_id(d) for d in mails],
                "users": [d.user_id for d in mails],
                "tenants": [d.scope_id if library else None for d in mails],
                "pois": [None if library else d.scope_id for d in mails],
                "years": [d.period.year for d in mails],
                "quarters": [d.period.quarter for d in mails],
            }
            async with self.db.tenant_or_platform(tenant_id) as conn:
                added += (await conn.execute(_INSERT, rows)).rowcount
        return added

    async def claim(self, tenant_id: UUID | None, limit: int) -> list[Claimed]:
        scope = "m.tenant_id IS NULL" if tenant_id is None else "m.tenant_id = :t"
        async with self.db.tenant_or_platform(tenant_id) as conn:
            rows = (await conn.execute(text(_CLAIM.format(scope=scope)), {"t": tenant_id, "n": limit})).all()
        return [
            Claimed(
                r.mail_id,
                r.tenant_id,
                r.poi_id,
                r.user_id,
                r.email,
                Period(r.year, r.quarter),
                r.attempts,
                float(r.age_hours),
                bool(r.wanted),
            )
            for r in rows
        ]

    def unsubscribe_url(self, user_id: UUID) -> str:
        """The opt-out link of the mail (services/api/accounts/quarterly_mail.py): it works without logging in."""
        token = unsubscribe_token(self.settings.secret_key, user_id)
        return f"{self.settings.base_url.rstrip('/')}/{UNSUBSCRIBE_PATH}/{token}"

    async def letter(self, c: Claimed, unsubscribe: str) -> Letter:
        if c.tenant_id is not None:
            return await library_letter(self.db, self.settings, c.tenant_id, c.period, unsubscribe)
        assert c.poi_id is not None
        return await poi_letter(self.db, self.settings, c.poi_id, c.period, unsubscribe)

    async def deliver(self, c: Claimed) -> str | None:
        """Send one mail; answer None, SKIPPED (no longer wanted) or the error."""
        if not c.wanted:
            return SKIPPED
        unsubscribe = self.unsubscribe_url(c.user_id)
        try:
            letter = await self.letter(c, unsubscribe)
        except (
            Exception
        ) as exc:  # one mail that cannot be written keeps no other from going out; it is retried
            log.exception("quarterly mail not written", tenant_id=str(c.tenant_id or ""))
            return f"{type(exc).__name__}: {exc}"[:500]
        headers = {"X-IDO-Kwartaaloverzicht": str(c.mail_id), "List-Unsubscribe": f"<{unsubscribe}>"}
        try:
            await asyncio.to_thread(
                self.send_mail,
                self.settings.smtp_url,
                self.settings.mail_from,
                [c.email],
                letter.subject,
                letter.plain,
                letter.html,
                headers,
            )
        except mail.MailError as exc:
            log.warning("quarterly mail not sent", tenant_id=str(c.tenant_id or ""), error=str(exc)[:200])
            return str(exc)[:500]
        return None

    async def record(self, c: Claimed, outcome: str | None) -> None:
        if outcome is None:
            sql = "status = 'delivered', delivered_at = :at, lease_until = NULL, last_error = NULL"
        elif outcome == SKIPPED:
            sql = "status = 'skipped', lease_until = NULL"
        elif c.age_hours >= self.settings.notice_retry_for_hours:
            sql = "status = 'failed', lease_until = NULL, last_error = :e"
        else:
            sql = (
                "status = 'pending', lease_until = NULL, last_error = :e, "
                "next_attempt_at = now() + make_interval(secs => :wait)"
            )
        params = {
            "id": c.mail_id,
            "n": c.attempt,
            "e": outcome,
            "wait": backoff(self.settings, c.attempt),
            "at": self.clock(),
        }
        async with self.db.tenant_or_platform(c.tenant_id) as conn:
            await conn.execute(
                text(f"UPDATE quarterly_mails SET {sql} WHERE mail_id = :id AND attempts = :n"), params
            )
