"""The notice dispatcher: claims due deliveries with a lease (FOR UPDATE SKIP LOCKED in a short transaction),
sends outside any transaction, records the outcome. A worker killed between sending and recording leads at most
to a repeat with the same notice id after the lease; the log then shows one delivery."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import text

from domain.calendar import day_text
from domain.ports import Clock
from infra.notify import mail, webhooks
from infra.settings import Settings
from infra.store.codec import from_jsonb
from infra.store.db import Database

LEASE_SECONDS = 120

_DUE = text("""
SELECT DISTINCT tenant_id FROM notice_deliveries
WHERE (status = 'pending' AND next_attempt_at <= now()) OR (status = 'sending' AND lease_until < now())
""")
_CLAIM = text(f"""
UPDATE notice_deliveries d SET status = 'sending', attempts = d.attempts + 1,
       lease_until = now() + interval '{LEASE_SECONDS} seconds'
FROM (SELECT notice_id, channel FROM notice_deliveries
      WHERE tenant_id = :t AND ((status = 'pending' AND next_attempt_at <= now())
                                OR (status = 'sending' AND lease_until < now()))
      ORDER BY next_attempt_at LIMIT :n FOR UPDATE SKIP LOCKED) due,
     notices n, pois p
WHERE d.tenant_id = :t AND d.notice_id = due.notice_id AND d.channel = due.channel
  AND n.tenant_id = d.tenant_id AND n.notice_id = d.notice_id AND p.poi_id = n.poi_id
RETURNING d.notice_id, d.channel, d.recipient, d.attempts, extract(epoch FROM now() - d.created_at) / 3600 AS age_hours, n.kind, n.subject, n.body, n.location_id,
          n.created_at AS notice_created_at, p.webhook_secret
""")


@dataclass(frozen=True)
class Claimed:
    tenant_id: UUID
    notice_id: UUID
    channel: str
    recipient: str
    attempt: int
    kind: str
    subject: str
    body: dict[str, Any]
    location_id: UUID
    secret: str
    age_hours: float


_DATES = (
    "previous_date",
    "new_date",
    "planned",
    "opened_on",
    "closed_from",
    "until",
    "reopened_on",
    "closed_on",
)
_OWN_TEMPLATES = {
    "rescheduled",
    "opening_overdue",
}  # every other planning fact: templates/mail/planning_fact.*


def _nl(iso: str | None) -> str:
    return day_text(date.fromisoformat(iso)) if iso else ""


class Dispatcher:
    def __init__(
        self,
        db: Database,
        reader: Database,
        settings: Settings,
        clock: Clock,
        send_mail: Callable[..., None] = mail.send,
        post: Callable[..., None] = webhooks.post,
    ) -> None:
        """`clock` dates a delivery for the people who read it; leases and retries run on the database's time."""
        self.db, self.reader, self.settings, self.clock = db, reader, settings, clock
        self.send_mail, self.post = send_mail, post

    async def run_once(self, limit: int = 20) -> int:
        """Deliver what is due for every tenant; answer how many deliveries succeeded."""
        async with self.reader.platform() as conn:
            tenants = (await conn.execute(_DUE)).scalars().all()
        delivered = 0
        for tenant_id in tenants:
            for c in await self.claim(tenant_id, limit):
                error = await asyncio.to_thread(self.deliver, c)
                await self.record(c, error)
                delivered += error is None
        return delivered

    async def claim(self, tenant_id: UUID, limit: int) -> list[Claimed]:
        async with self.db.tenant(tenant_id) as conn:
            rows = (await conn.execute(_CLAIM, {"t": tenant_id, "n": limit})).all()
        return [
            Claimed(
                tenant_id,
                r.notice_id,
                r.channel,
                r.recipient,
                r.attempts,
                r.kind,
                r.subject,
                from_jsonb(r.body),
                r.location_id,
                r.webhook_secret or "",
                float(r.age_hours),
            )
            for r in rows
        ]

    def deliver(self, c: Claimed) -> str | None:
        """Send one delivery; answer None or the error."""
        try:
            if c.channel.startswith("email:"):
                self._email(c)
            else:
                self._webhook(c)
        except (mail.MailError, webhooks.WebhookError) as exc:
            return str(exc)[:500]
        return None

    def _email(self, c: Claimed) -> None:
        audience = {
            "email:poi": "POI-adviseur",
            "email:kb": "collega van de KB",
            "email:coordinator": "coördinator",
        }[c.channel]
        body = {
            **c.body,
            **{f"{k}_nl": _nl(c.body.get(k)) for k in _DATES},
        }
        plain, html = mail.render(
            c.kind if c.kind in _OWN_TEMPLATES else "planning_fact",
            body=body,
            audience=audience,
            notice_id=c.notice_id,
            subject=c.subject,
            for_coordinator=c.channel == "email:coordinator",
        )
        to = [a.strip() for a in c.recipient.split(",") if a.strip()]
        self.send_mail(
            self.settings.smtp_url,
            self.settings.mail_from,
            to,
            c.subject,
            plain,
            html,
            {"X-IDO-Notice-Id": str(c.notice_id)},
        )

    def _webhook(self, c: Claimed) -> None:
        secret = c.secret if c.channel == "webhook:poi" else self.settings.kb_webhook_secret
        payload = {
            "notice_id": str(c.notice_id),
            "kind": c.kind,
            "subject": c.subject,
            "location_id": str(c.location_id),
            **c.body,
        }
        self.post(c.recipient, secret, str(c.notice_id), msgspec.json.encode(payload))

    async def record(self, c: Claimed, error: str | None) -> None:
        params = {"t": c.tenant_id, "id": c.notice_id, "ch": c.channel, "n": c.attempt}
        async with self.db.tenant(c.tenant_id) as conn:
            await conn.execute(
                text(
                    "INSERT INTO delivery_attempts (tenant_id, notice_id, channel, attempt, outcome, detail) "
                    "VALUES (:t, :id, :ch, :n, :o, :d) ON CONFLICT DO NOTHING"
                ),
                {**params, "o": "error" if error else "delivered", "d": error or ""},
            )
            if error is None:
                sql = "status = 'delivered', delivered_at = :at, lease_until = NULL, last_error = NULL"
            elif c.age_hours >= self.settings.notice_retry_for_hours:
                sql = "status = 'failed', lease_until = NULL, last_error = :e"
            else:
                sql = (
                    "status = 'pending', lease_until = NULL, last_error = :e, "
                    "next_attempt_at = now() + make_interval(secs => :wait)"
                )
            await conn.execute(
                text(
                    f"UPDATE notice_deliveries SET {sql} WHERE tenant_id = :t AND notice_id = :id "
                    "AND channel = :ch AND attempts = :n"
                ),
                {**params, "e": error, "wait": self.backoff(c.attempt), "at": self.clock()},
            )

    def backoff(self, attempt: int) -> float:
        return backoff(self.settings, attempt)


def backoff(settings: Settings, attempt: int) -> float:
    """Seconds before the next try of a delivery that failed `attempt` times (the kwartaaloverzicht's too)."""
    base = settings.notice_retry_base_seconds * 2 ** (attempt - 1)
    return min(base, 3600.0) * random.uniform(0.9, 1.1)
