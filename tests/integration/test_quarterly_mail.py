"""The kwartaaloverzicht's sweep (infra/notify/quarterly.py) against the real PostgreSQL, with a real SMTP server
on loopback: one mail per recipient per quarter even when two sweeps run at once, a library with an open IDO and
no questions told so, none for a library still preparing, the POI's mail with its small cells hidden, a failed send
tried again, the opt-out, and each mail row under its library's (or no library's) row-level security."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from domain import ido
from domain import questions as q
from domain.accounts import Role
from domain.calendar import at_local
from infra.notify.quarterly import QuarterlyMail
from infra.platform.mail_preferences import MailPreferences
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from tests.clock import NOW, TODAY
from tests.commands import handle
from tests.e2e.processes import free_port
from tests.projections import caught_up
from tests.receivers import SmtpServer

BASE = "https://ido.example"
JULY = at_local(date(2026, 7, 1), time(7, 30))  # the second quarter's mail is due from 07:00
OCTOBER = at_local(date(2026, 10, 1), time(9))


@dataclass(frozen=True)
class World:
    tenant_id: UUID
    slug: str
    name: str
    poi: str
    poi_name: str
    coordinator: str
    adviser: str


async def world(container, settings, *, questions: int = 0, opened: bool = False, poi: str | None = None):
    """A library (under a POI of its own unless named) with a coordinator, the POI's adviser, an IDO (opened
    today if asked) and `questions` questions today (the second quarter of the suite's year)."""
    suffix = secrets.token_hex(3)
    accounts = container.accounts
    if poi is None:
        poi = f"poi-{suffix}"
        await accounts.create_poi(poi, f"POI {suffix}")
    slug, name = f"bieb-{suffix}", f"Bibliotheek {suffix}"
    tenant_id = await accounts.create_tenant(slug, name, poi)
    coordinator, adviser = f"coord-{suffix}@bieb.example", f"adviseur-{suffix}@poi.example"
    await accounts.create_user(coordinator, Role.COORDINATOR, tenant_slug=slug)
    await accounts.create_user(adviser, Role.POI_ADVISER, poi_slug=poi)
    location = uuid4()
    await handle(
        container,
        tenant_id,
        ido.RegisterIdo(
            tenant_id=tenant_id,
            location_id=location,
            name="IDO Centrale",
            branch="Centrale",
            variant=ido.Variant.BASIS,
            inside_library=True,
            subsidy_year=TODAY.year,
            planned_opening=TODAY,
        ),
    )
    if opened:
        await handle(container, tenant_id, ido.OpenIdo(location_id=location, opened_on=TODAY))
    for i in range(questions):
        referred = i == 0
        await handle(
            container,
            tenant_id,
            q.RegisterQuestion(
                question_id=uuid4(),
                visit_id=uuid4(),
                location_id=location,
                npd_party="cbr" if i % 2 else "svb",
                topic="cbr.rijbewijs_75" if i % 2 else "svb.aow",
                help=q.REFERRAL if referred else "wegwijzer",
                partner_unlisted=referred,
                warmth="warm" if referred else None,
                duration="5-15",
            ),
        )
    runner = Runner(container.db, container.events, all_projections(settings, container.events))
    await caught_up(runner, tenant_id)
    poi_name = (await accounts.poi_by_slug(poi)).name
    return World(tenant_id, slug, name, poi, poi_name, coordinator, adviser)


def sweep(container, settings, smtp_url: str) -> QuarterlyMail:
    s = settings.with_(smtp_url=smtp_url, base_url=BASE, notice_retry_base_seconds=0.05)
    return QuarterlyMail(container.db, container.reader, s, container.clock)


def to(smtp: SmtpServer, address: str) -> list:
    return [m for m in smtp.mailbox.messages if m["X-Envelope-To"] == address]


def plain(msg) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return part.get_content().replace("\r\n", "\n")


def html(msg) -> str:
    return next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


async def test_two_sweeps_at_once_send_each_recipient_one_mail_for_the_quarter(
    container, settings, clock, smtp
):
    w = await world(container, settings, questions=6, opened=True)
    clock.set(JULY - timedelta(minutes=31))  # 06:59: not yet
    await sweep(container, settings, smtp.url).run_once()
    assert to(smtp, w.coordinator) == [] and to(smtp, w.adviser) == []

    clock.set(JULY)
    await asyncio.gather(*(sweep(container, settings, smtp.url).run_once() for _ in range(2)))
    await sweep(container, settings, smtp.url).run_once()  # and once more, later
    [coordinator], [adviser] = to(smtp, w.coordinator), to(smtp, w.adviser)

    assert coordinator["Subject"] == f"Kwartaaloverzicht tweede kwartaal 2026: {w.name}"
    assert {p.get_content_type() for p in coordinator.walk()} >= {"text/plain", "text/html"}
    body = plain(coordinator)
    assert "het tweede kwartaal van 2026 (1 april 2026 tot en met 30 juni 2026)" in body
    assert re.search(r"Vragen:\s+6\n", body) and re.search(r"Bezoekers:\s+6\n", body)
    assert re.search(r"Vragen per bezoeker:\s+1,00\n", body) and re.search(r"Doorverwijzingen:\s+1\n", body)
    assert "1,0 uur, gemiddeld 10,0 minuten per vraag, van 6 vragen met een duur" in body
    assert "- SVB (Sociale Verzekeringsbank): 3" in body and "- Andere partner / staat er niet bij: 1" in body
    for path in (
        f"/t/{w.slug}/verantwoording/2026.xlsx?kwartaal=2",
        f"/t/{w.slug}/verantwoording/2026.csv?kwartaal=2",
        f"/t/{w.slug}/verantwoording/2026.pdf?kwartaal=2",
        f"/t/{w.slug}/verantwoording/kb-outputregistratie/2026.xlsx?kwartaal=2",
        f"/t/{w.slug}/verantwoording/kb-outputregistratie/2026.csv?kwartaal=2",
        f"/t/{w.slug}/dashboard?van=2026-04-01&tot=2026-06-30",
    ):
        assert BASE + path in body and BASE + path.replace("&", "&amp;") in html(coordinator)
    unsubscribe = coordinator["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{BASE}/kwartaaloverzicht/afmelden/") and unsubscribe in body
    assert w.coordinator not in body and w.coordinator not in html(
        coordinator
    )  # only the envelope names them

    assert adviser["Subject"] == f"Kwartaaloverzicht tweede kwartaal 2026: {w.poi_name}"
    assert w.name in plain(
        adviser
    ) and f"{BASE}/poi/verantwoording/totaal/{w.poi}/2026.pdf?kwartaal=2" in plain(adviser)
    async with container.reader.platform() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT m.tenant_id IS NULL AS poi, m.status, m.attempts, m.year, m.quarter "
                    "FROM quarterly_mails m JOIN users u USING (user_id) WHERE u.email = ANY(:e) ORDER BY 1"
                ),
                {"e": [w.coordinator, w.adviser]},
            )
        ).all()
    assert [tuple(r) for r in rows] == [(False, "delivered", 1, 2026, 2), (True, "delivered", 1, 2026, 2)]


async def test_an_open_ido_without_questions_is_told_so_and_a_library_still_preparing_gets_nothing(
    container, settings, clock, smtp
):
    quiet = await world(container, settings, opened=True)
    preparing = await world(container, settings, poi=quiet.poi)
    clock.set(JULY)
    await sweep(container, settings, smtp.url).run_once()
    [msg] = to(smtp, quiet.coordinator)
    assert "Er zijn dit kwartaal geen vragen geregistreerd (0 vragen)." in plain(msg)
    assert to(smtp, preparing.coordinator) == []
    # the adviser's mail lists both libraries of the POI (the one preparing with zeros)
    [poi_mail] = to(smtp, quiet.adviser)
    assert quiet.name in plain(poi_mail) and preparing.name in plain(poi_mail)
    assert to(smtp, preparing.adviser) != []  # an adviser of the same POI


async def test_the_poi_mail_hides_a_small_count_that_the_coordinator_sees(container, settings, clock, smtp):
    w = await world(container, settings, questions=3)
    clock.set(JULY)
    await sweep(container, settings, smtp.url).run_once()
    assert re.search(r"Vragen:\s+3\n", plain(to(smtp, w.coordinator)[0]))
    [poi_mail] = to(smtp, w.adviser)
    body = plain(poi_mail)
    block = body[body.index(w.name) :]
    assert block.splitlines()[1].strip() == "Vragen: <5 · Bezoekers: <5 · Vragen per bezoeker: <5"
    assert "Totaal\n  Vragen: <5" in body and "Vragen: 3" not in body
    assert '<td align="right">&lt;5</td>' in html(poi_mail)


async def test_a_failed_send_is_tried_again_and_then_sent_once(container, settings, clock, smtp):
    w = await world(container, settings, questions=2, opened=True)
    clock.set(OCTOBER)  # the third quarter: the IDO was open in it
    down = f"smtp://127.0.0.1:{free_port()}"  # nothing listens
    await sweep(container, settings, down).run_once()
    async with container.db.tenant(w.tenant_id) as conn:
        status, attempts, error = (
            await conn.execute(
                text("SELECT status, attempts, last_error FROM quarterly_mails WHERE tenant_id = :t"),
                {"t": w.tenant_id},
            )
        ).one()
    assert (status, attempts) == ("pending", 1) and "ConnectionRefused" in error
    await asyncio.sleep(0.2)  # past the backoff
    await sweep(container, settings, smtp.url).run_once()
    await sweep(container, settings, smtp.url).run_once()
    [msg] = to(smtp, w.coordinator)
    assert "het derde kwartaal van 2026" in plain(msg)
    assert len(to(smtp, w.adviser)) == 1


async def test_an_opted_out_user_gets_nothing_and_opting_in_again_sends_no_past_quarter(
    container, settings, clock, smtp
):
    w = await world(container, settings, questions=5, opened=True)
    prefs = MailPreferences(container.db)
    coordinator = await container.accounts.user_by_email(w.coordinator)
    adviser = await container.accounts.user_by_email(w.adviser)
    await prefs.set_quarterly(coordinator.user_id, False, NOW)
    await prefs.set_quarterly(adviser.user_id, False, NOW)
    clock.set(JULY)
    await sweep(container, settings, smtp.url).run_once()
    assert to(smtp, w.coordinator) == [] and to(smtp, w.adviser) == []
    await prefs.set_quarterly(coordinator.user_id, True, JULY + timedelta(hours=1))  # after it fell due
    clock.set(JULY + timedelta(hours=2))
    await sweep(container, settings, smtp.url).run_once()
    assert to(smtp, w.coordinator) == []
    clock.set(OCTOBER)  # the next quarter comes to the one who came back
    await sweep(container, settings, smtp.url).run_once()
    assert len(to(smtp, w.coordinator)) == 1 and to(smtp, w.adviser) == []


async def test_a_claimed_mail_of_a_user_who_opted_out_meanwhile_is_skipped(container, settings, clock, smtp):
    w = await world(container, settings, questions=5)
    clock.set(JULY)
    mails = sweep(container, settings, smtp.url)
    assert await mails.enqueue() >= 2
    coordinator = await container.accounts.user_by_email(w.coordinator)
    await MailPreferences(container.db).set_quarterly(coordinator.user_id, False, JULY)
    await mails.run_once()
    assert to(smtp, w.coordinator) == [] and len(to(smtp, w.adviser)) == 1
    async with container.db.tenant(w.tenant_id) as conn:
        assert (await conn.execute(text("SELECT status FROM quarterly_mails"))).scalar_one() == "skipped"


async def test_each_mail_row_is_seen_in_its_library_or_outside_every_library(
    container, settings, clock, smtp
):
    a = await world(container, settings, questions=5)
    b = await world(container, settings, questions=5)
    clock.set(JULY)
    await sweep(container, settings, smtp.url).run_once()
    mine = "SELECT tenant_id, poi_id FROM quarterly_mails"
    async with container.db.tenant(a.tenant_id) as conn:  # the app role, in library A
        rows = (await conn.execute(text(mine))).all()
        assert {r.tenant_id for r in rows} == {a.tenant_id} and all(r.poi_id is None for r in rows)
        with pytest.raises(Exception, match="row-level security"):
            await conn.execute(
                text(
                    "INSERT INTO quarterly_mails (mail_id, user_id, tenant_id, year, quarter) "
                    "SELECT :id, user_id, :b, 2026, 1 FROM users LIMIT 1"
                ),
                {"id": uuid4(), "b": b.tenant_id},
            )
    async with container.db.platform() as conn:  # the app role, in no library: only the POIs' mails
        rows = (await conn.execute(text(mine))).all()
        assert rows and all(r.tenant_id is None for r in rows)
