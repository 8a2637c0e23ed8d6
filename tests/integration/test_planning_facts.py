"""The planning table through the real notices projection and PostgreSQL: every row of domain/planning_notices.py
reached by a scenario of commands and sweeps on a fixed clock, one notice per fact; the sweep noting each fact
once when it runs twice, beside another, or again after dying mid-way; and a notice in the POI's and the KB's
inboxes, by e-mail and by signed webhook."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import date, time
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from application.bus import Bus, all_handlers
from domain import ido
from domain import planning_notices as pn
from domain.accounts import Role
from domain.calendar import at_local
from infra.notify import webhooks
from infra.notify.notices import Dispatcher
from infra.platform.partners import Partners
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from infra.queries import boards
from infra.store.codec import from_jsonb
from infra.store.unit_of_work import PostgresUnitOfWork
from services.bootstrap import command_bus
from services.planning_sweep import sweep
from tests.commands import handle
from tests.projections import caught_up
from tests.receivers import SmtpServer, WebhookReceiver

YEAR = 2026
DEC_15 = date(YEAR, 12, 15)
F, S = pn.Fact, pn.Situation


@dataclass
class Library:
    tenant_id: UUID
    poi_id: UUID
    suffix: str


@pytest.fixture
async def library(container):
    """A library with a POI that has an e-mail address and a coordinator. Afterwards its deliveries count as
    sent, so that no dispatcher of a later test (which sends every library's) meets them."""
    suffix = secrets.token_hex(3)
    poi = f"poi-{suffix}"
    poi_id = await container.accounts.create_poi(poi, f"POI {suffix}", f"adviseur-{suffix}@poi.example")
    slug = f"bieb-{suffix}"
    tenant = await container.accounts.create_tenant(slug, f"Bibliotheek {suffix}", poi)
    await container.accounts.create_user(f"coord-{suffix}@bieb.example", Role.COORDINATOR, tenant_slug=slug)
    yield Library(tenant, poi_id, suffix)
    async with container.db.tenant(tenant) as conn:
        await conn.execute(
            text("UPDATE notice_deliveries SET status = 'delivered' WHERE tenant_id = :t"), {"t": tenant}
        )


class Story:
    """One IDO of a library, driven by commands and sweeps, each on the day the clock is set to."""

    def __init__(self, container, settings, clock, lib: Library) -> None:
        self.container, self.settings, self.clock, self.lib = container, settings, clock, lib
        self.location_id = uuid4()

    def on(self, day: date, hour: int = 9) -> Story:
        self.clock.set(at_local(day, time(hour)))
        return self

    async def do(self, command) -> None:
        await handle(self.container, self.lib.tenant_id, command, {"actor": "test"})

    async def register(self, planned: date, year: int = YEAR) -> None:
        await self.do(
            ido.RegisterIdo(
                tenant_id=self.lib.tenant_id,
                location_id=self.location_id,
                name="IDO Centrale",
                branch="Centrale",
                variant=ido.Variant.BASIS,
                inside_library=True,
                subsidy_year=year,
                planned_opening=planned,
            )
        )

    async def move(self, new: date) -> None:
        await self.do(ido.RescheduleOpening(location_id=self.location_id, new_date=new, reason="Verbouwing"))

    async def open(self, on: date) -> None:
        await self.do(ido.OpenIdo(location_id=self.location_id, opened_on=on))

    async def close_for_a_while(self, on: date) -> None:
        await self.do(ido.CloseTemporarily(location_id=self.location_id, closed_from=on, reason="Verbouwing"))

    async def reopen(self, on: date) -> None:
        await self.do(ido.ReopenIdo(location_id=self.location_id, reopened_on=on))

    async def close(self, on: date) -> None:
        await self.do(ido.CloseIdo(location_id=self.location_id, closed_on=on, reason="Geen ruimte"))

    async def sweep(self) -> int:
        """The beat's sweep (over every library; the assertions look at this one) on the projected read model, as
        the workers keep it, then the projections."""
        await self.project()
        noted = await sweep(command_bus(self.container), self.container.reader, self.clock)
        await self.project()
        return noted

    async def project(self) -> None:
        runner = Runner(
            self.container.db, self.container.events, all_projections(self.settings, self.container.events)
        )
        await caught_up(runner, self.lib.tenant_id)

    async def facts(self) -> list:
        """The stream's planning facts, in order."""
        stream = await self.container.events.read_stream(self.lib.tenant_id, ido.stream_id(self.location_id))
        return [r for r in stream if pn.fact_of(r.event) is not None]

    async def notices(self) -> list:
        async with self.container.db.tenant(self.lib.tenant_id) as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT n.notice_id, n.kind, n.to_kb, n.body, n.subject, "
                        "  array_agg(d.channel ORDER BY d.channel) AS channels "
                        "FROM notices n LEFT JOIN notice_deliveries d USING (tenant_id, notice_id) "
                        "WHERE n.tenant_id = :t AND n.location_id = :l GROUP BY n.tenant_id, n.notice_id"
                    ),
                    {"t": self.lib.tenant_id, "l": self.location_id},
                )
            ).all()
        return [(r.kind, r.to_kb, from_jsonb(r.body), r.subject, [c for c in r.channels if c]) for r in rows]


JUNE = date(YEAR, 6, 10)
JAN_1 = date(YEAR + 1, 1, 1)


async def _registered(s: Story, planned: date = DEC_15) -> None:
    await s.on(JUNE).register(planned)


async def _slipped(s: Story) -> None:
    await _registered(s)
    await s.move(date(YEAR + 1, 3, 1))


async def _year_ended(s: Story) -> None:
    await _registered(s)
    await s.on(date(YEAR, 12, 16)).sweep()
    await s.on(JAN_1, 0).sweep()


async def _opened_in_june(s: Story) -> None:
    await _registered(s, JUNE)
    await s.open(JUNE)


async def _row_registered_in_year(s):
    await _registered(s)


async def _row_registered_after(s):
    await _registered(s, date(YEAR + 1, 2, 1))


async def _row_moved_in_year(s):
    await _registered(s)
    await s.move(date(YEAR, 12, 20))


async def _row_moved_out(s):
    await _registered(s)
    await s.move(date(YEAR + 1, 1, 5))


async def _row_moved_again_after(s):
    await _slipped(s)
    await s.move(date(YEAR + 1, 4, 1))


async def _row_moved_back(s):
    await _slipped(s)
    await s.move(date(YEAR, 12, 1))


async def _row_opened_in_year(s):
    await _registered(s)
    await s.on(DEC_15).open(DEC_15)


async def _row_opened_before_the_sweep_saw_the_year_end(s):
    await _registered(s)
    await s.on(JAN_1, 0).open(JAN_1)


async def _row_opened_in_january(s):
    await _year_ended(s)
    await s.on(date(YEAR + 1, 1, 8)).open(date(YEAR + 1, 1, 8))


async def _row_opened_backdated_into_the_year(s):
    await _year_ended(s)
    await s.on(date(YEAR + 1, 1, 2)).open(date(YEAR, 12, 30))


async def _row_date_passed(s):
    await _registered(s)
    await s.on(date(YEAR, 12, 16), 0).sweep()


async def _row_date_after_the_year_passed(s):
    await _slipped(s)
    await s.on(date(YEAR + 1, 3, 2)).sweep()


async def _row_year_ended(s):
    await _year_ended(s)


async def _row_closed_for_a_while(s):
    await _opened_in_june(s)
    await s.close_for_a_while(JUNE)


async def _row_reopened(s):
    await _row_closed_for_a_while(s)
    await s.on(date(YEAR, 7, 1)).reopen(date(YEAR, 7, 1))


async def _row_closed_after_opening(s):
    await _opened_in_june(s)
    await s.on(date(YEAR, 11, 1)).close(date(YEAR, 11, 1))


async def _row_closed_before_opening(s):
    await _registered(s)
    await s.close(JUNE)


async def _row_closed_after_a_slip(s):
    await _slipped(s)
    await s.close(JUNE)


ROWS = {
    (F.REGISTERED, S.IN_YEAR): _row_registered_in_year,
    (F.REGISTERED, S.LEAVES_YEAR): _row_registered_after,
    (F.RESCHEDULED, S.IN_YEAR): _row_moved_in_year,
    (F.RESCHEDULED, S.LEAVES_YEAR): _row_moved_out,
    (F.RESCHEDULED, S.STAYS_AFTER): _row_moved_again_after,
    (F.RESCHEDULED, S.BACK_IN_YEAR): _row_moved_back,
    (F.OPENED, S.IN_YEAR): _row_opened_in_year,
    (F.OPENED, S.LEAVES_YEAR): _row_opened_before_the_sweep_saw_the_year_end,
    (F.OPENED, S.STAYS_AFTER): _row_opened_in_january,
    (F.OPENED, S.BACK_IN_YEAR): _row_opened_backdated_into_the_year,
    (F.DATE_PASSED, S.IN_YEAR): _row_date_passed,
    (F.DATE_PASSED, S.STAYS_AFTER): _row_date_after_the_year_passed,
    (F.YEAR_ENDED, S.LEAVES_YEAR): _row_year_ended,
    (F.TEMPORARILY_CLOSED, S.AFTER_OPENING): _row_closed_for_a_while,
    (F.REOPENED, S.AFTER_OPENING): _row_reopened,
    (F.CLOSED, S.AFTER_OPENING): _row_closed_after_opening,
    (F.CLOSED, S.LEAVES_YEAR): _row_closed_before_opening,
    (F.CLOSED, S.STAYS_AFTER): _row_closed_after_a_slip,
}


def test_every_row_of_the_table_has_a_scenario_here():
    assert set(ROWS) == {(r.fact, r.situation) for r in pn.TABLE}


@pytest.mark.parametrize("row", pn.TABLE, ids=lambda r: f"{r.fact.value}-{r.situation.value}")
async def test_each_row_through_the_notices_projection(row, container, settings, clock, library):
    s = Story(container, settings.with_(kb_email="kb@kb.example"), clock, library)
    await ROWS[(row.fact, row.situation)](s)
    await s.project()
    facts = await s.facts()
    notices = await s.notices()
    # exactly one notice per fact, the last fact being the row's
    assert sorted(n[2]["event_id"] for n in notices) == sorted(str(f.event_id) for f in facts)
    last = next(n for n in notices if n[2]["event_id"] == str(facts[-1].event_id))
    kind, to_kb, body, subject, channels = last
    assert (kind, body["situation"], to_kb, body["to_kb"]) == (
        row.fact.value,
        row.situation.value,
        row.kb,
        row.kb,
    )
    assert (
        body["why"] == row.reason(YEAR) and body["location"] == "IDO Centrale" and "IDO Centrale" in subject
    )
    expected = (
        ["email:poi"] + (["email:kb"] if row.kb else []) + (["email:coordinator"] if row.coordinator else [])
    )
    assert channels == sorted(expected)


async def test_a_sweep_run_twice_and_two_side_by_side_note_each_fact_once(
    container, settings, clock, library
):
    stories = [Story(container, settings, clock, library) for _ in range(3)]
    for st in stories:
        await _registered(st)
    await stories[0].project()
    clock.set(at_local(date(YEAR, 12, 16), time(0, 5)))
    bus_a, bus_b = command_bus(container), command_bus(container)
    await asyncio.gather(*(sweep(b, container.reader, clock) for b in (bus_a, bus_b, bus_a)))
    await sweep(bus_b, container.reader, clock)
    await stories[0].project()
    clock.set(at_local(JAN_1, time(0, 5)))
    await asyncio.gather(sweep(bus_a, container.reader, clock), sweep(bus_b, container.reader, clock))
    await sweep(bus_a, container.reader, clock)
    await stories[0].project()
    await stories[0].project()  # a projection applied twice adds nothing
    for st in stories:
        assert [type(r.event) for r in await st.facts()] == [
            ido.IdoRegistered,
            ido.OpeningDatePassed,
            ido.SubsidyYearEnded,
        ]
        assert sorted((n[0], n[1]) for n in await st.notices()) == [
            ("opening_overdue", False),
            ("registered", False),
            ("subsidy_year_ended", True),
        ]


async def test_a_sweep_that_dies_mid_way_is_finished_by_the_next_without_doubles(
    container, settings, clock, library
):
    """The second IDO's transaction dies after its append (as a killed worker's would, before the commit): the
    first IDO's fact is stored, the second's is not; the next sweep notes the rest, each fact once."""
    stories = [Story(container, settings, clock, library) for _ in range(3)]
    for st in stories:
        await _registered(st)
    await stories[0].project()
    clock.set(at_local(date(YEAR, 12, 16), time(0, 5)))
    handlers = all_handlers()
    real, _ = handlers[ido.NoteTimePassed]
    calls: list[UUID] = []
    mine = {st.location_id for st in stories}

    class Killed(Exception):
        pass

    async def dying(cmd, tx, meta):
        answer = await real(cmd, tx, meta)
        if cmd.location_id in mine:
            calls.append(cmd.location_id)
            if len(calls) == 2:
                raise Killed
        return answer

    dying_bus = Bus(
        PostgresUnitOfWork(container.events, Partners(container.db), container.clock),
        {**handlers, ido.NoteTimePassed: (dying, 200)},
    )
    with pytest.raises(Killed):
        await sweep(dying_bus, container.reader, clock)
    noted = {st.location_id: [type(r.event) for r in await st.facts()][1:] for st in stories}
    assert noted[calls[0]] == [ido.OpeningDatePassed] and noted[calls[1]] == []
    await sweep(command_bus(container), container.reader, clock)
    await sweep(command_bus(container), container.reader, clock)
    await stories[0].project()
    for st in stories:
        assert [type(r.event) for r in await st.facts()][1:] == [ido.OpeningDatePassed]
        assert sorted(n[0] for n in await st.notices()) == ["opening_overdue", "registered"]


async def test_a_replayed_notices_projection_tells_nobody_twice(container, settings, clock, library):
    s = Story(container, settings, clock, library)
    await _row_moved_back(s)
    await s.project()
    before = await s.notices()
    async with container.db.tenant(library.tenant_id) as conn:
        await conn.execute(
            text("DELETE FROM projection_checkpoints WHERE tenant_id = :t AND projection = 'notices.v1'"),
            {"t": library.tenant_id},
        )
    await s.project()
    assert len(await s.notices()) == len(before) == 3


async def test_a_passed_december_opening_reaches_the_poi_then_at_the_year_end_the_kb_by_inbox_mail_and_webhook(
    container, settings, clock, library
):
    suffix = library.suffix
    adviser, kb = f"adviseur-{suffix}@poi.example", "kb@kb.example"
    with SmtpServer() as smtp, WebhookReceiver() as hook:
        s_ = settings.with_(
            smtp_url=smtp.url, kb_email=kb, kb_webhook_url=hook.url, kb_webhook_secret="kb-geheim"
        )
        story = Story(container, s_, clock, library)
        await _registered(story)
        poi_scope = boards.Scope(uuid4(), pois=(library.poi_id,))
        kb_scope = boards.Scope(uuid4(), kb=True)

        async def inboxes() -> tuple[list, list]:
            poi = await boards.inbox(container.reader, poi_scope, tenant_id=library.tenant_id)
            kb_ = await boards.inbox(container.reader, kb_scope, tenant_id=library.tenant_id)
            return [n.kind for n in poi], [n.kind for n in kb_]

        await story.on(DEC_15).sweep()
        assert await inboxes() == (["registered"], [])  # 15 December itself: not passed
        await story.on(date(YEAR, 12, 16), 0).sweep()
        assert await inboxes() == (["opening_overdue", "registered"], [])
        await story.on(date(YEAR, 12, 31), 23).sweep()
        await story.on(JAN_1, 0).sweep()
        await story.on(JAN_1, 12).sweep()
        poi, kb_inbox = await inboxes()
        assert poi == ["subsidy_year_ended", "opening_overdue", "registered"] and kb_inbox == [
            "subsidy_year_ended"
        ]
        [year_end] = await boards.inbox(container.reader, kb_scope, tenant_id=library.tenant_id)
        assert year_end.subject == "Subsidiejaar 2026 voorbij: IDO Centrale is niet geopend"
        assert year_end.kind_label == "Subsidiejaar voorbij zonder opening"

        await Dispatcher(container.db, container.reader, s_, clock).run_once()
        ours = [  # of this library (read decoded: a long line may be folded in the raw message)
            m
            for m in smtp.mailbox.messages
            if f"Bibliotheek {suffix}" in m.get_body(("plain",)).get_content()
        ]
        to = sorted((m["X-Envelope-To"], m["Subject"]) for m in ours)
        assert [t for t, _ in to].count(adviser) == 3 and [t for t, _ in to].count(kb) == 1
        assert (kb, year_end.subject) in to
        kb_mail = next(m for m in ours if m["X-Envelope-To"] == kb)
        plain = next(p for p in kb_mail.walk() if p.get_content_type() == "text/plain").get_content()
        assert (
            "Het subsidiejaar 2026 is voorbij en het IDO is niet geopend" in plain
            and "15 december 2026" in plain
        )
        coordinator = [
            m for m in smtp.mailbox.messages if m["X-Envelope-To"] == f"coord-{suffix}@bieb.example"
        ]
        assert len(coordinator) == 2  # a reminder when the date passed and when the year ended
        [call] = hook.received
        assert webhooks.verify(
            "kb-geheim", call.headers["x-ido-timestamp"], call.body, call.headers["x-ido-signature"]
        )
        assert call.json["kind"] == "subsidy_year_ended" and call.json["to_kb"] is True
        assert call.json["notice_id"] == kb_mail["X-IDO-Notice-Id"]

        # opened in January: the POI and the KB again, once
        await story.on(date(YEAR + 1, 1, 12)).open(date(YEAR + 1, 1, 12))
        await story.sweep()
        await story.sweep()
        poi, kb_inbox = await inboxes()
        assert poi[0] == kb_inbox[0] == "opened" and kb_inbox.count("opened") == 1
