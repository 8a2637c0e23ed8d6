"""The handlers through the bus over the in-memory unit of work (which passes the unit-of-work contract suite):
the rules of each command without HTTP — what is stored, what is answered, what is refused and left unstored."""

from __future__ import annotations

from datetime import date, time, timedelta
from uuid import uuid4

import msgspec
import pytest

from application.aggregates import COURSE, IDO, QUESTION, load
from application.bus import Bus, all_handlers
from application.questions import id_for_key
from domain import courses as c
from domain import ido
from domain import planning_notices as pn
from domain import questions as q
from domain.calendar import at_local
from domain.errors import DomainError, IdempotencyConflict, NotFound, WrongExpectedVersion
from infra.clock import FixedClock
from infra.store.codec import default_codec
from infra.store.memory_event_store import InMemoryEventStore, InMemoryUnitOfWork
from tests.clock import NOW, TODAY, YESTERDAY

T = uuid4()
LOC = uuid4()
META = {"actor": "test"}


@pytest.fixture
def uow() -> InMemoryUnitOfWork:
    u = InMemoryUnitOfWork(InMemoryEventStore(default_codec(), FixedClock(NOW)))
    u.locations[T] = {LOC: date(TODAY.year, 1, 1)}
    return u


@pytest.fixture
def bus(uow) -> Bus:
    return Bus(uow, all_handlers())


def question(key: str = "k", **kw) -> q.RegisterQuestion:
    fields = {
        "question_id": id_for_key(T, key),
        "visit_id": id_for_key(T, key, "visit"),
        "location_id": LOC,
        "npd_party": "belastingdienst",
        "topic": "belastingdienst.aangifte_ib",
        "help": "wegwijzer",
    }
    return q.RegisterQuestion(**(fields | kw))


async def stream(bus: Bus, kind, aggregate_id):
    return await bus.read(T, lambda tx: tx.read_stream(kind.stream(aggregate_id)))


# --- desk questions


async def test_a_question_is_registered_once_per_key_and_wakes_the_workers(bus, uow):
    cmd = question()
    first = await bus.handle(T, cmd, META, key="k")
    again = await bus.handle(T, cmd, META, key="k")
    assert (first.status, first.replayed, again.replayed) == (201, False, True)
    assert (
        first.body
        == again.body
        == {
            "question_id": str(cmd.question_id),
            "visit_id": str(cmd.visit_id),
            "repeated": False,
        }
    )
    [recorded] = await stream(bus, QUESTION, cmd.question_id)
    assert isinstance(recorded.event, q.QuestionRegistered) and recorded.metadata == META
    assert uow.woken == [T]


async def test_a_read_after_the_command_runs_in_its_transaction_also_for_a_replayed_key(bus, uow):
    """Bus.handle_then: the desk's answer partial is read in the command's transaction, after the handler."""
    cmd = question()
    seen: list[object] = []

    async def page(tx):
        seen.append(tx)
        return [r.event for r in await tx.read_stream(QUESTION.stream(cmd.question_id))]

    first, events = await bus.handle_then(T, cmd, META, page, key="k")
    again, events_again = await bus.handle_then(T, cmd, META, page, key="k")
    assert (first.status, first.replayed, again.replayed) == (201, False, True)
    assert len(events) == len(events_again) == 1 and isinstance(events[0], q.QuestionRegistered)
    assert len(seen) == 2 and uow.woken == [T]
    assert (await bus.handle_then(T, question("k2"), META, None, key="k2"))[1] is None


async def test_a_read_after_the_command_that_fails_rolls_the_command_back(bus, uow):
    async def broken(tx):
        raise RuntimeError("read failed")

    with pytest.raises(RuntimeError):
        await bus.handle_then(T, question(), META, broken, key="k")
    assert await stream(bus, QUESTION, question().question_id) == [] and uow.woken == []
    assert (await bus.handle(T, question(), META, key="k")).status == 201


async def test_the_same_key_with_another_question_is_a_conflict_and_stores_nothing(bus):
    await bus.handle(T, question(), META, key="k")
    with pytest.raises(IdempotencyConflict):
        await bus.handle(T, question(help="samen_gezocht"), META, key="k")
    assert len(await stream(bus, QUESTION, question().question_id)) == 1


async def test_a_refused_question_stores_nothing_and_leaves_its_key_free(bus, uow):
    future = NOW + timedelta(hours=1)
    with pytest.raises(DomainError, match="toekomst"):
        await bus.handle(T, question(asked_at=future), META, key="k")
    assert await stream(bus, QUESTION, question().question_id) == [] and uow.woken == []
    assert (await bus.handle(T, question(), META, key="k")).status == 201


async def test_a_question_at_another_librarys_location_or_with_an_unknown_partner_is_refused(bus, uow):
    with pytest.raises(DomainError) as err:
        await bus.handle(T, question(location_id=uuid4()), META)
    assert err.value.field == "location_id"
    partner = uuid4()
    with pytest.raises(DomainError) as err:
        await bus.handle(T, question(help="lokale_partner", partner_id=partner, warmth="warm"), META)
    assert err.value.field == "partner_id"
    with pytest.raises(DomainError) as err:
        await bus.handle(T, question(referred_by_partner_id=partner), META)
    assert err.value.field == "referred_by_partner_id"
    uow.partners[T] = {partner}  # once it is one of the library's active partners
    cmd = question(help="lokale_partner", partner_id=partner, warmth="warm")
    assert (await bus.handle(T, cmd, META)).status == 201
    assert (await bus.handle(T, question("k2", referred_by_partner_id=partner), META)).status == 201


async def test_a_tally_counts_questions_in_one_event(bus):
    hour = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    cmd = q.TallyQuestions(
        question_id=id_for_key(T, "t"), location_id=LOC, hour_start=hour, npd_party="belastingdienst", count=7
    )
    outcome = await bus.handle(T, cmd, META, key="t")
    assert (outcome.status, outcome.body["count"]) == (201, 7)
    [recorded] = await stream(bus, QUESTION, cmd.question_id)
    assert recorded.event.what.count == 7
    with pytest.raises(DomainError, match="Vul een aantal van 1 tot en met 500 vragen in"):
        await bus.handle(T, msgspec.structs.replace(cmd, question_id=uuid4(), count=501), META)
    assert outcome.body["visitors"] == 7, "without a number of visitors: one per question"


async def test_a_tally_with_visitors_stores_them_and_refuses_more_visitors_than_questions(bus):
    hour = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    cmd = q.TallyQuestions(
        question_id=id_for_key(T, "v"), location_id=LOC, hour_start=hour, npd_party="cbr", count=6, visitors=4
    )
    assert (await bus.handle(T, cmd, META, key="v")).body["visitors"] == 4
    [recorded] = await stream(bus, QUESTION, cmd.question_id)
    assert recorded.event.what.visitors == 4
    with pytest.raises(DomainError) as err:
        await bus.handle(T, msgspec.structs.replace(cmd, question_id=uuid4(), visitors=7), META)
    assert err.value.field == "visitors"


async def test_a_correction_answers_the_location_and_an_unknown_question_is_not_found(bus):
    cmd = question()
    await bus.handle(T, cmd, META)
    fix = q.CorrectQuestion(
        question_id=cmd.question_id,
        npd_party="belastingdienst",
        topic="belastingdienst.aangifte_ib",
        help="samen_gezocht",
    )
    outcome = await bus.handle(T, fix, META)
    assert outcome.body == {"question_id": str(cmd.question_id), "location_id": str(LOC)}
    state = await bus.read(T, lambda tx: load(tx, QUESTION, cmd.question_id))
    assert state.version == 2 and state.what.help == "samen_gezocht"
    with pytest.raises(NotFound):
        await bus.handle(
            T,
            msgspec.structs.replace(fix, question_id=uuid4()),
            META,
        )


async def test_a_correction_moves_the_time_as_far_as_backdating_may_and_no_further(bus):
    cmd = question()
    await bus.handle(T, cmd, META)
    fix = q.CorrectQuestion(
        question_id=cmd.question_id,
        npd_party="belastingdienst",
        topic="belastingdienst.aangifte_ib",
        help="wegwijzer",
    )
    for bad, message in [
        (NOW + timedelta(hours=1), "toekomst"),
        (at_local(date(TODAY.year - 1, 12, 31), time(16)), "registreert pas vanaf"),
    ]:
        with pytest.raises(DomainError, match=message) as err:
            await bus.handle(T, msgspec.structs.replace(fix, asked_at=bad), META)
        assert err.value.field == "asked_at"
    assert len(await stream(bus, QUESTION, cmd.question_id)) == 1
    yesterday = at_local(YESTERDAY, time(15, 45))
    await bus.handle(T, msgspec.structs.replace(fix, asked_at=yesterday), META)
    [_, corrected] = await stream(bus, QUESTION, cmd.question_id)
    assert corrected.event.previous.asked_at == NOW and corrected.event.what.asked_at == yesterday


async def test_a_referral_without_a_partner_is_refused_while_the_library_has_partners(bus, uow):
    uow.partners[T] = {uuid4()}
    with pytest.raises(DomainError) as err:
        await bus.handle(T, question(help="lokale_partner"), META)
    assert err.value.field == "partner_id" and "Staat er niet bij" in err.value.message
    assert await stream(bus, QUESTION, question().question_id) == []
    cmd = question(help="lokale_partner", partner_unlisted=True, warmth="koud")
    assert (await bus.handle(T, cmd, META)).status == 201
    [recorded] = await stream(bus, QUESTION, cmd.question_id)
    assert recorded.event.what.help == "lokale_partner" and recorded.event.what.partner_id is None
    fix = q.CorrectQuestion(
        question_id=cmd.question_id,
        npd_party=cmd.npd_party,
        topic=cmd.topic,
        help="lokale_partner",
        channel="telefoon",
        warmth="koud",
    )
    with pytest.raises(DomainError) as err:
        await bus.handle(T, fix, META)
    assert err.value.field == "partner_id"
    await bus.handle(T, msgspec.structs.replace(fix, partner_unlisted=True), META)
    assert len(await stream(bus, QUESTION, cmd.question_id)) == 2


async def test_a_referral_without_warm_or_cold_is_refused_and_stores_nothing(bus):
    with pytest.raises(DomainError) as err:
        await bus.handle(T, question(help="lokale_partner"), META, key="w")
    assert err.value.field == "warmth" and "koud (adres meegegeven)" in err.value.message
    assert await stream(bus, QUESTION, question().question_id) == []
    cmd = question(help="lokale_partner", warmth="warm")
    assert (await bus.handle(T, cmd, META, key="w")).status == 201
    [recorded] = await stream(bus, QUESTION, cmd.question_id)
    assert recorded.event.what.warmth == "warm"


async def test_a_visitor_sent_by_a_partner_is_stored_and_corrected_to_another_sender(bus, uow):
    sender, other = uuid4(), uuid4()
    uow.partners[T] = {sender, other}
    cmd = question(referred_by_partner_id=sender)
    await bus.handle(T, cmd, META)
    fix = q.CorrectQuestion(
        question_id=cmd.question_id,
        npd_party=cmd.npd_party,
        topic=cmd.topic,
        help="lokale_partner",
        partner_id=other,
        warmth="warm",
        referred_by_unlisted=True,
    )
    await bus.handle(T, fix, META)
    [registered, corrected] = await stream(bus, QUESTION, cmd.question_id)
    assert registered.event.what.referred_by_partner_id == sender
    before, after = corrected.event.previous, corrected.event.what
    assert (before.referred_by_partner_id, before.referred_by_unlisted) == (sender, False)
    assert (after.referred_by_partner_id, after.referred_by_unlisted) == (None, True)
    assert (after.partner_id, after.warmth) == (other, "warm")


async def test_an_undo_is_stored_once_and_a_second_one_is_refused(bus):
    cmd = question()
    await bus.handle(T, cmd, META)
    await bus.handle(T, q.RetractQuestion(question_id=cmd.question_id), META)
    with pytest.raises(DomainError, match="al ongedaan"):
        await bus.handle(T, q.RetractQuestion(question_id=cmd.question_id), META)
    with pytest.raises(NotFound):
        await bus.handle(T, q.RetractQuestion(question_id=uuid4()), META)
    assert len(await stream(bus, QUESTION, cmd.question_id)) == 2


async def test_an_imported_question_is_corrected_and_undone_only_by_a_coordinator(bus):
    cmd = question()
    await bus.handle(T, cmd, {**META, "via": "import", "import": "abc"})
    fix = q.CorrectQuestion(
        question_id=cmd.question_id, npd_party=cmd.npd_party, topic=cmd.topic, help="samen_gezocht"
    )
    for refused in (fix, q.RetractQuestion(question_id=cmd.question_id)):
        with pytest.raises(DomainError, match="alleen de coördinator"):
            await bus.handle(T, refused, META)
    assert len(await stream(bus, QUESTION, cmd.question_id)) == 1
    await bus.handle(T, msgspec.structs.replace(fix, by_coordinator=True), META)
    await bus.handle(T, q.RetractQuestion(question_id=cmd.question_id, by_coordinator=True), META)
    assert len(await stream(bus, QUESTION, cmd.question_id)) == 3


# --- planning


def register_ido(location_id=None, planned=None) -> ido.RegisterIdo:
    return ido.RegisterIdo(
        tenant_id=T,
        location_id=location_id or uuid4(),
        name="IDO Centrale",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=TODAY.year,
        planned_opening=planned or TODAY + timedelta(days=10),
    )


async def test_an_ido_is_registered_once_then_rescheduled_and_opened_today(bus):
    cmd = register_ido()
    created = await bus.handle(T, cmd, META)
    assert created.status == 201 and created.body["status"] == ido.Status.PLANNED.value
    with pytest.raises(WrongExpectedVersion):
        await bus.handle(T, cmd, META)
    moved = await bus.handle(
        T,
        ido.RescheduleOpening(
            location_id=cmd.location_id, new_date=date(TODAY.year + 1, 2, 1), reason="Verbouwing"
        ),
        META,
    )
    assert moved.body["subsidy_year_slipped"] is True
    opened = await bus.handle(T, ido.OpenIdo(location_id=cmd.location_id, opened_on=TODAY), META)
    assert opened.body["status"] == ido.Status.OPEN.value
    assert len(await stream(bus, IDO, cmd.location_id)) == 3


async def test_the_sweeps_command_notes_each_fact_once_with_an_id_of_the_fact():
    clock = FixedClock(at_local(date(2026, 12, 10), time(9)))
    bus = Bus(InMemoryUnitOfWork(InMemoryEventStore(default_codec(), clock)), all_handlers())
    cmd = register_ido(planned=date(2026, 12, 15))
    await bus.handle(T, cmd, META)
    note = ido.NoteTimePassed(location_id=cmd.location_id)
    noted = []
    for day in (
        date(2026, 12, 15),
        date(2026, 12, 16),
        date(2026, 12, 17),
        date(2027, 1, 1),
        date(2027, 1, 2),
    ):
        clock.set(at_local(day, time(0, 5)))
        noted.append((await bus.handle(T, note, META)).body["noted"])
    assert noted == [[], ["OpeningDatePassed"], [], ["SubsidyYearEnded"], []]
    recorded = (await stream(bus, IDO, cmd.location_id))[1:]
    assert [r.event_id for r in recorded] == [pn.fact_event_id(cmd.location_id, r.event) for r in recorded]
    opened = await bus.handle(T, ido.OpenIdo(location_id=cmd.location_id, opened_on=date(2027, 1, 2)), META)
    assert opened.body["subsidy_year_slipped"] is True
    assert (await bus.handle(T, note, META)).body["noted"] == []  # open: nothing passes any more


async def test_planning_an_unknown_location_is_not_found_and_a_refusal_stores_nothing(bus):
    with pytest.raises(NotFound):
        await bus.handle(T, ido.OpenIdo(location_id=uuid4(), opened_on=TODAY), META)
    cmd = register_ido()
    await bus.handle(T, cmd, META)
    with pytest.raises(DomainError):
        await bus.handle(T, ido.RescheduleOpening(location_id=cmd.location_id, new_date=YESTERDAY), META)
    assert len(await stream(bus, IDO, cmd.location_id)) == 1


# --- courses


def schedule(key: str = "c") -> c.ScheduleCourse:
    return c.ScheduleCourse(
        course_id=id_for_key(T, key, "course"),
        programme=c.Programme.KLIK_TIK,
        title="",
        location_id=LOC,
        start_date=TODAY + timedelta(days=7),
        sessions=3,
        capacity=8,
    )


async def test_a_course_at_an_unknown_location_is_refused_and_one_of_ours_is_scheduled_once(bus):
    with pytest.raises(DomainError) as err:
        await bus.handle(
            T,
            msgspec.structs.replace(schedule(), location_id=uuid4()),
            META,
        )
    assert err.value.field == "location_id"
    first = await bus.handle(T, schedule(), META, key="c")
    assert first.status == 201 and (await bus.handle(T, schedule(), META, key="c")).replayed


async def test_an_enrolment_answers_a_code_once_per_key_and_checks_the_question(bus):
    await bus.handle(T, schedule(), META)
    course_id = schedule().course_id
    enrolled = await bus.handle(T, c.Enrol(course_id=course_id), META, key="e")
    code = enrolled.body["code"]
    assert (
        code.startswith("KT-")
        and (await bus.handle(T, c.Enrol(course_id=course_id), META, key="e")).body["code"] == code
    )
    with pytest.raises(DomainError) as err:
        await bus.handle(T, c.Enrol(course_id=course_id, via_question_id=uuid4()), META)
    assert err.value.field == "via_question_id"
    with pytest.raises(NotFound):
        await bus.handle(T, c.Enrol(course_id=uuid4()), META)
    await bus.handle(T, c.Withdraw(course_id=course_id, code=code), META)
    state = await bus.read(T, lambda tx: load(tx, COURSE, course_id))
    assert code in state.withdrawn and code not in state.enrolled
    await bus.handle(T, c.CancelCourse(course_id=course_id, reason="Te weinig aanmeldingen"), META)
    assert (await bus.read(T, lambda tx: load(tx, COURSE, course_id))).status == c.CourseStatus.CANCELLED


async def test_a_batch_registers_each_question_as_the_desk_does_and_reports_each_outcome(bus):
    first = question("b-1")
    await bus.handle(T, first, META)
    batch = q.RegisterQuestions(
        questions=[
            first,  # stored before with the same content: a repeat
            question("b-2"),
            question("b-3", asked_at=NOW + timedelta(hours=2)),  # refused: in the future
            msgspec.structs.replace(first, question_id=question("b-2").question_id, help="samen_gezocht"),
        ]
    )
    outcome = await bus.handle(T, batch, META)
    assert outcome.body["outcomes"][:2] == ["repeated", "new"]
    assert "toekomst" in outcome.body["outcomes"][2]
    assert outcome.body["outcomes"][3] == "conflict"
    assert len(await stream(bus, QUESTION, question("b-2").question_id)) == 1
    assert await stream(bus, QUESTION, question("b-3").question_id) == []


async def test_an_open_ido_closes_for_a_while_reopens_sets_hours_ticks_a_step_and_closes(bus):
    cmd = register_ido(planned=TODAY)
    loc = cmd.location_id
    await bus.handle(T, cmd, META)
    with pytest.raises(DomainError, match="Alleen een geopend IDO"):
        await bus.handle(
            T, ido.CloseTemporarily(location_id=loc, closed_from=TODAY, reason="Verbouwing"), META
        )
    await bus.handle(T, ido.OpenIdo(location_id=loc, opened_on=TODAY), META)
    step = next(iter(ido.ONBOARDING_STEPS))
    await bus.handle(T, ido.CompleteStep(location_id=loc, step=step), META)
    again = await bus.handle(T, ido.CompleteStep(location_id=loc, step=step), META)  # ticked once
    hours = [ido.Slot(weekday=0, opens="10:00", closes="12:00")]
    await bus.handle(T, ido.SetOpeningHours(location_id=loc, slots=hours, holidays=[]), META)
    closed = await bus.handle(
        T, ido.CloseTemporarily(location_id=loc, closed_from=TODAY, reason="Verbouwing"), META
    )
    assert closed.body["status"] == ido.Status.TEMPORARILY_CLOSED.value
    reopened = await bus.handle(
        T, ido.ReopenIdo(location_id=loc, reopened_on=TODAY + timedelta(days=7)), META
    )
    assert reopened.body["status"] == ido.Status.OPEN.value == again.body["status"]
    gone = await bus.handle(T, ido.CloseIdo(location_id=loc, closed_on=TODAY + timedelta(days=30)), META)
    assert gone.body["status"] == ido.Status.CLOSED.value
    with pytest.raises(DomainError, match="gesloten"):
        await bus.handle(T, ido.SetOpeningHours(location_id=loc, slots=hours, holidays=[]), META)
    state = await bus.read(T, lambda tx: load(tx, IDO, loc))
    assert state.version == 7 and state.slots == tuple(hours) and step in state.steps


async def test_attendance_and_completion_take_enrolled_codes_only(bus):
    await bus.handle(T, schedule(), META)
    course_id = schedule().course_id
    code = (await bus.handle(T, c.Enrol(course_id=course_id), META)).body["code"]
    with pytest.raises(DomainError, match="Niet ingeschreven"):
        await bus.handle(
            T, c.RecordAttendance(course_id=course_id, session=1, held_on=TODAY, present=["KT-ZZZZ"]), META
        )
    await bus.handle(
        T, c.RecordAttendance(course_id=course_id, session=1, held_on=TODAY, present=[code]), META
    )
    with pytest.raises(DomainError, match="Niet ingeschreven"):
        await bus.handle(T, c.CompleteCourse(course_id=course_id, completed=["KT-ZZZZ"]), META)
    await bus.handle(T, c.CompleteCourse(course_id=course_id, completed=[code]), META)
    state = await bus.read(T, lambda tx: load(tx, COURSE, course_id))
    assert code in state.attended and code in state.completed and state.version == 4


async def test_the_gemeente_is_set_through_the_bus_and_an_unknown_code_stores_nothing(bus):
    cmd = msgspec.structs.replace(register_ido(), gemeente="GM0080")
    await bus.handle(T, cmd, META)
    with pytest.raises(DomainError) as err:
        await bus.handle(T, ido.SetGemeente(location_id=cmd.location_id, gemeente="GM9999"), META)
    assert err.value.field == "gemeente"
    assert len(await stream(bus, IDO, cmd.location_id)) == 1
    answer = await bus.handle(T, ido.SetGemeente(location_id=cmd.location_id, gemeente="GM0363"), META)
    assert (answer.body["gemeente"], answer.body["gemeente_list"]) == ("GM0363", "2025")
    state = await bus.read(T, lambda tx: load(tx, IDO, cmd.location_id))
    assert state.version == 2 and state.gemeente_found.name == "Amsterdam"
    with pytest.raises(NotFound):
        await bus.handle(T, ido.SetGemeente(location_id=uuid4(), gemeente="GM0363"), META)
