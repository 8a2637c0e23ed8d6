"""Planning notices end to end in one process: the notices projection writes the outbox, the dispatcher sends
real e-mail to an SMTP server and signed webhooks to a receiver on loopback, with retries and a delivery log."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date, time, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text

from application.aggregates import IDO, load
from domain import ido
from domain.accounts import Role
from domain.calendar import at_local, day_text
from infra.notify import webhooks
from infra.notify.notices import Dispatcher
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from services.bootstrap import command_bus
from services.planning_sweep import sweep
from tests.clock import TODAY
from tests.commands import handle
from tests.projections import caught_up
from tests.receivers import SmtpServer, WebhookReceiver

SUBSIDY_YEAR = TODAY.year


@pytest.fixture
async def library(container):
    suffix = secrets.token_hex(3)
    poi = f"poi-{suffix}"
    await container.accounts.create_poi(poi, f"POI {suffix}", f"adviseur-{suffix}@poi.example")
    slug = f"bieb-{suffix}"
    tenant = await container.accounts.create_tenant(slug, f"Bibliotheek {suffix}", poi)
    await container.accounts.create_user(f"coord-{suffix}@bieb.example", Role.COORDINATOR, tenant_slug=slug)
    return poi, tenant, suffix


async def _set_webhook(container, poi: str, url: str, secret: str) -> None:
    async with container.db.platform() as conn:
        await conn.execute(
            text("UPDATE pois SET webhook_url = :u, webhook_secret = :s WHERE slug = :p"),
            {"u": url, "s": secret, "p": poi},
        )


async def _ido(container, tenant, planned: date) -> ido.Ido:
    cmd = ido.RegisterIdo(
        tenant_id=tenant,
        location_id=uuid4(),
        name="IDO Centrale",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=SUBSIDY_YEAR,
        planned_opening=planned,
    )
    await handle(container, tenant, cmd, {"actor": "test"})
    return await command_bus(container).read(tenant, lambda tx: load(tx, IDO, cmd.location_id))


async def _project(container, settings, tenant) -> None:
    runner = Runner(container.db, container.events, all_projections(settings, container.events))
    await caught_up(runner, tenant)


async def _deliveries(container, tenant, kind: str = "rescheduled") -> dict:
    """The deliveries of the library's notices of one kind (the registration of the IDO has its own)."""
    async with container.db.tenant(tenant) as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT d.channel, d.status, d.attempts FROM notice_deliveries d "
                    "JOIN notices n USING (tenant_id, notice_id) WHERE d.tenant_id = :t AND n.kind = :k"
                ),
                {"t": tenant, "k": kind},
            )
        ).all()
    return {r.channel: (r.status, r.attempts) for r in rows}


async def _settle(container, settings, tenant) -> None:
    """Project what is stored and count its notices as delivered before: the test follows the notices after."""
    await _project(container, settings, tenant)
    async with container.db.tenant(tenant) as conn:
        await conn.execute(
            text("UPDATE notice_deliveries SET status = 'delivered' WHERE tenant_id = :t"), {"t": tenant}
        )


def _of_kind(messages, word: str) -> list:
    return [m for m in messages if word in m["Subject"]]


async def test_a_reschedule_within_the_year_tells_the_poi_by_mail_and_signed_webhook(
    container, settings, library
):
    poi, tenant, _ = library
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        secret = secrets.token_hex(16)
        await _set_webhook(container, poi, hook.url, secret)
        s = settings.with_(smtp_url=smtp.url, kb_email="kb@kb.example", kb_webhook_url=hook.url)
        loc = await _ido(container, tenant, TODAY + timedelta(days=2))
        new = TODAY + timedelta(days=3)
        await handle(
            container,
            tenant,
            ido.RescheduleOpening(location_id=loc.location_id, new_date=new, reason="Meubels later geleverd"),
            {},
        )
        await _project(container, s, tenant)
        await Dispatcher(container.db, container.reader, s, container.clock).run_once()  # (every library's)
        assert await _deliveries(container, tenant) == {
            "email:poi": ("delivered", 1),
            "webhook:poi": ("delivered", 1),
        }
        assert await _deliveries(container, tenant, "registered") == {
            "email:poi": ("delivered", 1),
            "webhook:poi": ("delivered", 1),
        }
        [msg] = _of_kind(smtp.mailbox.messages, "verplaatst")
        assert "verplaatst" in msg["Subject"] and msg["X-Envelope-To"].startswith("adviseur-")
        assert msg.is_multipart() and {p.get_content_type() for p in msg.walk()} >= {
            "text/plain",
            "text/html",
        }
        plain = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
        assert "Meubels later geleverd" in plain and day_text(new) in plain
        [call] = [c for c in hook.received if c.json["kind"] == "rescheduled"]
        assert webhooks.verify(
            secret, call.headers["x-ido-timestamp"], call.body, call.headers["x-ido-signature"]
        )
        assert call.json["notice_id"] == call.headers["x-ido-notice-id"] == msg["X-IDO-Notice-Id"]
        assert call.json["new_date"] == new.isoformat() and call.json["subsidy_year_slipped"] is False
        assert call.json["to_kb"] is False and call.json["why"].startswith("De opening is verzet")


async def test_a_reschedule_past_the_subsidy_year_also_notifies_the_kb(container, settings, library):
    poi, tenant, suffix = library
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        s = settings.with_(
            smtp_url=smtp.url,
            kb_email="kb@kb.example",
            kb_webhook_url=hook.url,
            kb_webhook_secret="kb-geheim",
        )
        loc = await _ido(container, tenant, TODAY + timedelta(days=2))
        await handle(
            container,
            tenant,
            ido.RescheduleOpening(
                location_id=loc.location_id, new_date=date(SUBSIDY_YEAR + 1, 2, 1), reason="Verbouwing"
            ),
            {},
        )
        await _project(container, s, tenant)
        await Dispatcher(container.db, container.reader, s, container.clock).run_once()
        assert await _deliveries(container, tenant) == {
            "email:poi": ("delivered", 1),
            "email:kb": ("delivered", 1),
            "webhook:kb": ("delivered", 1),
        }
        moved = _of_kind(smtp.mailbox.messages, "verplaatst")
        assert sorted(m["X-Envelope-To"] for m in moved) == [
            f"adviseur-{suffix}@poi.example",
            "kb@kb.example",
        ]
        assert all("buiten het subsidiejaar" in m.as_string() for m in moved)
        [kb_call] = hook.received
        assert webhooks.verify(
            "kb-geheim", kb_call.headers["x-ido-timestamp"], kb_call.body, kb_call.headers["x-ido-signature"]
        )
        async with container.reader.platform() as conn:
            to_kb = (
                await conn.execute(
                    text("SELECT kind, to_kb FROM notices WHERE tenant_id = :t ORDER BY created_at"),
                    {"t": tenant},
                )
            ).all()
        assert [tuple(r) for r in to_kb] == [("registered", False), ("rescheduled", True)]


async def test_a_failing_receiver_is_retried_until_it_succeeds_and_every_attempt_is_logged(
    container, settings, library
):
    poi, tenant, _ = library
    with SmtpServer() as smtp, WebhookReceiver(fail_first=3) as hook:
        await _set_webhook(container, poi, hook.url, "s")
        s = settings.with_(smtp_url=smtp.url, notice_retry_base_seconds=0.05)
        loc = await _ido(container, tenant, TODAY + timedelta(days=2))
        await _settle(container, s, tenant)
        await handle(
            container,
            tenant,
            ido.RescheduleOpening(
                location_id=loc.location_id, new_date=TODAY + timedelta(days=1), reason="Ziekte"
            ),
            {},
        )
        await _project(container, s, tenant)
        d = Dispatcher(container.db, container.reader, s, container.clock)
        for _ in range(40):
            await d.run_once()
            if (await _deliveries(container, tenant)).get("webhook:poi", ("", 0))[0] == "delivered":
                break
            await asyncio.sleep(0.1)
        assert (await _deliveries(container, tenant))["webhook:poi"] == ("delivered", 4)
        mine = [r for r in hook.received if r.json["kind"] == "rescheduled"]
        assert len(mine) == 4 and len({r.headers["x-ido-notice-id"] for r in mine}) == 1
        async with container.db.tenant(tenant) as conn:
            log = (
                await conn.execute(
                    text(
                        "SELECT attempt, outcome FROM delivery_attempts JOIN notices USING (tenant_id, notice_id) "
                        "WHERE tenant_id = :t AND channel = 'webhook:poi' AND kind = 'rescheduled' ORDER BY attempt"
                    ),
                    {"t": tenant},
                )
            ).all()
        assert [tuple(r) for r in log] == [(1, "error"), (2, "error"), (3, "error"), (4, "delivered")]


async def test_a_delivery_that_keeps_failing_is_marked_failed_after_the_retry_period(
    container, settings, library
):
    poi, tenant, _ = library
    with WebhookReceiver(fail_first=100) as hook:
        await _set_webhook(container, poi, hook.url, "s")
        s = settings.with_(
            smtp_url="smtp://127.0.0.1:9", notice_retry_base_seconds=0.01, notice_retry_for_hours=0
        )
        loc = await _ido(container, tenant, TODAY + timedelta(days=2))
        await handle(
            container,
            tenant,
            ido.RescheduleOpening(
                location_id=loc.location_id, new_date=TODAY + timedelta(days=1), reason="Ziekte"
            ),
            {},
        )
        await _project(container, s, tenant)
        await Dispatcher(container.db, container.reader, s, container.clock).run_once()
        assert await _deliveries(container, tenant) == {
            "email:poi": ("failed", 1),
            "webhook:poi": ("failed", 1),
        }


async def test_a_worker_dying_between_sending_and_recording_repeats_the_notice_once_and_logs_one_delivery(
    container, settings, library
):
    poi, tenant, _ = library
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        await _set_webhook(container, poi, hook.url, "s")
        async with container.db.platform() as conn:
            await conn.execute(text("UPDATE pois SET email = NULL WHERE slug = :p"), {"p": poi})
        s = settings.with_(smtp_url=smtp.url)
        loc = await _ido(container, tenant, TODAY + timedelta(days=2))
        await _settle(container, s, tenant)
        await handle(
            container,
            tenant,
            ido.RescheduleOpening(
                location_id=loc.location_id, new_date=TODAY + timedelta(days=1), reason="Ziekte"
            ),
            {},
        )
        await _project(container, s, tenant)
        d = Dispatcher(container.db, container.reader, s, container.clock)
        [claimed] = await d.claim(tenant, 10)
        assert d.deliver(claimed) is None  # sent … and the worker dies before record()
        assert await d.run_once() == 0  # the lease still holds: nobody sends it again yet
        async with container.db.tenant(tenant) as conn:
            await conn.execute(
                text(
                    "UPDATE notice_deliveries SET lease_until = now() - interval '1 second' "
                    "WHERE tenant_id = :t"
                ),
                {"t": tenant},
            )
        assert await d.run_once() == 1
        assert (
            len(hook.received) == 2
            and hook.received[0].headers["x-ido-notice-id"] == hook.received[1].headers["x-ido-notice-id"]
        )
        async with container.db.tenant(tenant) as conn:
            log = (
                (
                    await conn.execute(
                        text("SELECT outcome FROM delivery_attempts WHERE tenant_id = :t"), {"t": tenant}
                    )
                )
                .scalars()
                .all()
            )
        assert log == ["delivered"]


async def test_a_passed_opening_date_reminds_the_coordinator_and_tells_the_poi_once(
    container, settings, library, clock
):
    poi, tenant, suffix = library
    with SmtpServer() as smtp:
        s = settings.with_(smtp_url=smtp.url)
        loc = await _ido(container, tenant, TODAY)
        await _project(container, s, tenant)
        later = TODAY + timedelta(days=1)

        async def overdue_notices(today: date) -> int:
            clock.set(at_local(today, time(9)))
            await sweep(command_bus(container), container.reader, clock)
            await _project(container, s, tenant)
            async with container.db.tenant(tenant) as conn:
                return (
                    await conn.execute(
                        text(
                            "SELECT count(*) FROM notices WHERE tenant_id = :t AND kind = 'opening_overdue'"
                        ),
                        {"t": tenant},
                    )
                ).scalar()

        assert await overdue_notices(TODAY) == 0  # not passed yet
        assert await overdue_notices(later) == 1
        assert await overdue_notices(later + timedelta(days=1)) == 1  # once per passed date
        await Dispatcher(container.db, container.reader, s, container.clock).run_once()
        overdue = _of_kind(smtp.mailbox.messages, "verstreken")
        to = sorted(m["X-Envelope-To"] for m in overdue if suffix in m["X-Envelope-To"])
        assert to == sorted([f"adviseur-{suffix}@poi.example", f"coord-{suffix}@bieb.example"])
        assert any("Leg de opening dan vast" in str(m) for m in overdue)
        # after a reschedule to a new date, passing that date gives a new reminder
        await handle(
            container,
            tenant,
            ido.RescheduleOpening(
                location_id=loc.location_id, new_date=later + timedelta(days=2), reason="Later"
            ),
            {},
        )
        await _project(container, s, tenant)
        assert await overdue_notices(later + timedelta(days=5)) == 2


async def test_on_30_december_a_move_to_new_years_eve_tells_the_poi_and_one_to_2_january_also_the_kb(
    container, settings, library, clock
):
    """The year boundary with the clock at the end of the year (what a wall-clock test could only skip)."""
    _, tenant, suffix = library
    clock.set(at_local(date(2026, 12, 30), time(16)))
    today = date(2026, 12, 30)
    with SmtpServer() as smtp:
        s = settings.with_(smtp_url=smtp.url, kb_email="kb@kb.example")
        loc = await _ido(container, tenant, today)
        for new in (date(2026, 12, 31), date(2027, 1, 2)):
            await handle(
                container,
                tenant,
                ido.RescheduleOpening(location_id=loc.location_id, new_date=new, reason="Verbouwing"),
                {},
            )
        await _project(container, s, tenant)
        await Dispatcher(container.db, container.reader, s, container.clock).run_once()
        async with container.reader.platform() as conn:
            notices = (
                await conn.execute(
                    text(
                        "SELECT body->>'new_date', to_kb, created_at FROM notices "
                        "WHERE tenant_id = :t AND kind = 'rescheduled'"
                    ),
                    {"t": tenant},
                )
            ).all()
        assert sorted((n[0], n[1]) for n in notices) == [("2026-12-31", False), ("2027-01-02", True)]
        assert {n.created_at for n in notices} == {clock()}  # when the change was made, by the clock
        moved = _of_kind(smtp.mailbox.messages, "verplaatst")
        to = [m["X-Envelope-To"] for m in moved if suffix in m.as_string()]
        assert sorted(to) == sorted([f"adviseur-{suffix}@poi.example"] * 2 + ["kb@kb.example"])
