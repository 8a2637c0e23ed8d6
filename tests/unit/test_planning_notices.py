"""The seed's planning rule as a table (domain/planning_notices.py): every row reached by exactly one scenario of
facts, the year boundary with "today" passed in, the sweep's facts noted once, and what the forms preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID, uuid4

import msgspec
import pytest

from domain import ido
from domain import planning_notices as pn
from domain.errors import DomainError

F, S = pn.Fact, pn.Situation
YEAR = 2026
DEC_15 = date(YEAR, 12, 15)


def registered(planned: date = DEC_15, year: int = YEAR) -> tuple[ido.Ido, ido.IdoRegistered]:
    event = ido.IdoRegistered(
        location_id=uuid4(),
        name="IDO Centrale",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=year,
        planned_opening=planned,
    )
    return ido.evolve(ido.Ido(event.location_id), event), event


def run(state: ido.Ido, *events: msgspec.Struct) -> ido.Ido:
    for e in events:
        state = ido.evolve(state, e)
    return state


def moved(s: ido.Ido, new: date) -> ido.OpeningRescheduled:
    assert s.planned is not None
    return ido.OpeningRescheduled(
        location_id=s.location_id,
        previous_date=s.planned,
        new_date=new,
        reason="Verbouwing",
        subsidy_year=s.subsidy_year,
        year_difference=new.year - s.planned.year,
    )


def opened(s: ido.Ido, on: date) -> ido.IdoOpened:
    return ido.IdoOpened(location_id=s.location_id, opened_on=on)


def passed(s: ido.Ido, today: date) -> list[msgspec.Struct]:
    return ido.note_time_passed(s, today)


def year_ended(s: ido.Ido) -> ido.Ido:
    """The sweep on 1 January: the date passed, then the year ended."""
    return run(s, *passed(s, date(s.subsidy_year + 1, 1, 1)))


def closure(s: ido.Ido) -> ido.IdoTemporarilyClosed:
    return ido.IdoTemporarilyClosed(
        location_id=s.location_id, closed_from=date(YEAR, 9, 1), reason="Verbouwing"
    )


def new_registration(planned: date) -> tuple[ido.Ido, msgspec.Struct]:
    _, e = registered(planned)
    return ido.Ido(e.location_id), e


def _opened_in_june() -> ido.Ido:
    s, _ = registered(date(YEAR, 6, 1))
    return run(s, opened(s, date(YEAR, 6, 1)))


def _after_slip() -> ido.Ido:
    s, _ = registered()
    return run(s, moved(s, date(YEAR + 1, 3, 1)))


# One scenario per row of the table: (state before the fact, the fact's event).
SCENARIOS: dict[tuple[pn.Fact, pn.Situation], Callable[[], tuple[ido.Ido, msgspec.Struct]]] = {
    (F.REGISTERED, S.IN_YEAR): lambda: new_registration(DEC_15),
    (F.REGISTERED, S.LEAVES_YEAR): lambda: new_registration(date(YEAR + 1, 2, 1)),
    (F.RESCHEDULED, S.IN_YEAR): lambda: (s := registered()[0], moved(s, date(YEAR, 12, 20))),
    (F.RESCHEDULED, S.LEAVES_YEAR): lambda: (s := registered()[0], moved(s, date(YEAR + 1, 1, 5))),
    (F.RESCHEDULED, S.STAYS_AFTER): lambda: (s := _after_slip(), moved(s, date(YEAR + 1, 4, 1))),
    (F.RESCHEDULED, S.BACK_IN_YEAR): lambda: (s := _after_slip(), moved(s, date(YEAR, 12, 1))),
    (F.OPENED, S.IN_YEAR): lambda: (s := registered()[0], opened(s, DEC_15)),
    (F.OPENED, S.LEAVES_YEAR): lambda: (s := registered()[0], opened(s, date(YEAR + 1, 1, 1))),
    (F.OPENED, S.STAYS_AFTER): lambda: (s := year_ended(registered()[0]), opened(s, date(YEAR + 1, 1, 12))),
    (F.OPENED, S.BACK_IN_YEAR): lambda: (s := year_ended(registered()[0]), opened(s, date(YEAR, 12, 30))),
    (F.DATE_PASSED, S.IN_YEAR): lambda: (s := registered()[0], passed(s, date(YEAR, 12, 16))[0]),
    (F.DATE_PASSED, S.STAYS_AFTER): lambda: (s := _after_slip(), passed(s, date(YEAR + 1, 3, 2))[0]),
    (F.YEAR_ENDED, S.LEAVES_YEAR): lambda: (
        s := run(registered()[0], *passed(registered()[0], date(YEAR, 12, 16))),
        passed(s, date(YEAR + 1, 1, 1))[0],
    ),
    (F.TEMPORARILY_CLOSED, S.AFTER_OPENING): lambda: (s := _opened_in_june(), closure(s)),
    (F.REOPENED, S.AFTER_OPENING): lambda: (
        s := run(_opened_in_june(), closure(_opened_in_june())),
        ido.IdoReopened(location_id=s.location_id, reopened_on=date(YEAR, 10, 1)),
    ),
    (F.CLOSED, S.AFTER_OPENING): lambda: (
        s := _opened_in_june(),
        ido.IdoClosed(location_id=s.location_id, closed_on=date(YEAR, 11, 1)),
    ),
    (F.CLOSED, S.LEAVES_YEAR): lambda: (
        s := registered()[0],
        ido.IdoClosed(location_id=s.location_id, closed_on=date(YEAR, 11, 1), reason="Geen ruimte"),
    ),
    (F.CLOSED, S.STAYS_AFTER): lambda: (
        s := _after_slip(),
        ido.IdoClosed(location_id=s.location_id, closed_on=date(YEAR, 11, 1)),
    ),
}


def test_the_table_has_one_row_per_fact_and_situation_and_each_row_a_scenario():
    keys = [(r.fact, r.situation) for r in pn.TABLE]
    assert len(keys) == len(set(keys))
    assert set(SCENARIOS) == set(keys)
    assert all(r.poi for r in pn.TABLE)  # the POI hears of every planning change
    assert set(pn.FACT_EVENT_TYPES) == {
        "IdoRegistered",
        "OpeningRescheduled",
        "IdoOpened",
        "OpeningDatePassed",
        "SubsidyYearEnded",
        "IdoTemporarilyClosed",
        "IdoReopened",
        "IdoClosed",
    }


@pytest.mark.parametrize("row", pn.TABLE, ids=lambda r: f"{r.fact.value}-{r.situation.value}")
def test_each_row_is_what_its_scenario_meets(row: pn.Row):
    before, event = SCENARIOS[(row.fact, row.situation)]()
    told = pn.telling(before, event, uuid4())
    assert told is not None and told.row is row
    # the KB hears when the fact puts, keeps or takes the opening after the subsidy year, never otherwise
    assert row.kb is (row.situation in (S.LEAVES_YEAR, S.STAYS_AFTER, S.BACK_IN_YEAR))
    assert told.reason == row.why.format(jaar=YEAR) and "{" not in told.reason
    assert told.reason.endswith(".") and told.reason[0].isupper()


def test_events_that_are_no_planning_fact_tell_nobody():
    s, _ = registered()
    hours = ido.OpeningHoursSet(location_id=s.location_id, slots=())
    step = ido.OnboardingStepCompleted(location_id=s.location_id, step="staff_trained", completed_on=DEC_15)
    assert pn.telling(s, hours, uuid4()) is None and pn.telling(s, step, uuid4()) is None


def test_an_opening_planned_for_15_december_that_passes_unopened():
    """The POI on the day after (and the coordinators a reminder); the KB when the year ends; each once."""
    s, _ = registered(DEC_15)
    assert passed(s, DEC_15) == []  # not passed on the day itself
    [fact] = passed(s, date(YEAR, 12, 16))
    told = pn.telling(s, fact, uuid4())
    assert (told.fact, told.row.kb, told.row.coordinator) == (F.DATE_PASSED, False, True)
    s = run(s, fact)
    assert passed(s, date(YEAR, 12, 17)) == passed(s, date(YEAR, 12, 31)) == []  # once per passed date
    [end] = passed(s, date(YEAR + 1, 1, 1))
    told = pn.telling(s, end, uuid4())
    assert isinstance(end, ido.SubsidyYearEnded) and (told.fact, told.row.kb) == (F.YEAR_ENDED, True)
    s = run(s, end)
    assert s.subsidy_year_slipped and passed(s, date(YEAR + 1, 1, 2)) == []  # once per year end
    # a sweep that did not run in December notes both on 1 January, each with its own key
    fresh, _ = registered(DEC_15)
    both = passed(fresh, date(YEAR + 1, 1, 1))
    assert [type(e) for e in both] == [ido.OpeningDatePassed, ido.SubsidyYearEnded]
    assert len({pn.notice_key(uuid4(), e) for e in both}) == 2


def test_an_ido_opened_in_january_of_the_next_year_tells_the_poi_and_the_kb():
    s, _ = registered(DEC_15)
    before_the_sweep = pn.telling(s, opened(s, date(YEAR + 1, 1, 8)), uuid4())
    after_the_sweep = pn.telling(year_ended(s), opened(s, date(YEAR + 1, 1, 8)), uuid4())
    assert before_the_sweep.row.kb and after_the_sweep.row.kb
    assert "geopend na het subsidiejaar 2026" in after_the_sweep.reason


def test_a_closure_and_a_reopening_tell_the_poi_only():
    s = _opened_in_june()
    c = closure(s)
    assert pn.telling(s, c, uuid4()).row.who == "de POI krijgt"
    r = ido.IdoReopened(location_id=s.location_id, reopened_on=date(YEAR, 10, 1))
    assert not pn.telling(run(s, c), r, uuid4()).row.kb


def test_a_slip_moved_back_into_the_year_also_tells_the_kb_and_a_move_inside_the_year_only_the_poi():
    s, _ = registered(date(YEAR, 10, 1))
    inside = pn.telling(s, moved(s, date(YEAR, 11, 1)), uuid4())
    assert inside.row.situation == S.IN_YEAR and not inside.row.kb
    slip = moved(s, date(YEAR + 1, 2, 1))
    back = pn.telling(run(s, slip), moved(run(s, slip), date(YEAR, 12, 1)), uuid4())
    assert back.row.situation == S.BACK_IN_YEAR and back.row.who == "de POI en de KB krijgen"


def test_notice_keys_are_one_per_fact():
    s, _ = registered()
    event_id = uuid4()
    [p] = passed(s, date(YEAR, 12, 16))
    assert (
        pn.notice_key(event_id, p) == f"overdue:{s.location_id}:2026-12-15"
    )  # as the sweep wrote them before
    assert pn.notice_key(event_id, moved(s, date(YEAR, 12, 20))) == f"rescheduled:{event_id}"
    assert pn.notice_key(event_id, opened(s, DEC_15)) == f"opened:{event_id}"
    # the sweep's facts have ids of their own fact, the same in every run
    assert pn.fact_event_id(s.location_id, p) == pn.fact_event_id(
        s.location_id, passed(s, date(YEAR, 12, 20))[0]
    )
    assert isinstance(pn.fact_event_id(s.location_id, p), UUID)


def test_the_forms_preview_who_is_told():
    s, _ = registered(DEC_15)
    june = date(YEAR, 6, 10)
    inside, later = pn.preview(s, "reschedule", june)
    assert (
        inside.when == "Nieuwe datum op of voor 31 december 2026"
        and inside.sentence == "De POI krijgt een melding."
    )
    assert (
        later.when == "Nieuwe datum na 31 december 2026"
        and later.sentence == "De POI en de KB krijgen een melding."
    )
    # after a slip every move tells the KB: one outcome per reason, both with the KB
    assert all(o.row.kb for o in pn.preview(_after_slip(), "reschedule", june))
    # in January of the next year the new date can only lie after the year
    [only] = pn.preview(year_ended(s), "reschedule", date(YEAR + 1, 1, 2))
    assert only.row.kb and only.row.situation == S.STAYS_AFTER
    [open_now] = pn.preview(s, "open", june)
    assert open_now.when == "" and not open_now.row.kb
    in_time, late = pn.preview(year_ended(s), "open", date(YEAR + 1, 1, 2))  # backdated into the year, or not
    assert in_time.row.situation == S.BACK_IN_YEAR and late.row.situation == S.STAYS_AFTER
    [cancel] = pn.preview(s, "close", june)
    assert cancel.row.kb and "gaat niet door" in cancel.reason
    [shut] = pn.preview(_opened_in_june(), "closure", june)
    assert not shut.row.kb
    assert [o.row.kb for o in pn.preview_registration()] == [False, True]


def test_the_checklist_is_folded_from_what_happened():
    s, _ = registered(date(YEAR, 6, 1))
    s = run(
        s,
        ido.OnboardingStepCompleted(
            location_id=s.location_id, step="staff_trained", completed_on=date(YEAR, 5, 1)
        ),
        ido.OnboardingStepCompleted(
            location_id=s.location_id, step="first_registration", completed_on=date(YEAR, 5, 2)
        ),  # ticked by hand before the step became automatic: counts for nothing
    )
    steps = ido.checklist(dict(s.step_dates), s.opened_on, None)
    assert [x.code for x in steps if x.done] == ["staff_trained"]
    s = run(s, opened(s, date(YEAR, 6, 1)))
    steps = {x.code: x for x in ido.checklist(dict(s.step_dates), s.opened_on, date(YEAR, 6, 2))}
    assert steps["opened"].done_on == date(YEAR, 6, 1) and steps["first_registration"].done_on == date(
        YEAR, 6, 2
    )
    assert steps["staff_trained"].done_on == date(YEAR, 5, 1)
    assert ido.steps_done(s.steps, s.opened_on, date(YEAR, 6, 2)) == 3 == sum(x.done for x in steps.values())
    assert len(steps) == len(ido.ONBOARDING_STEPS) == 6


@pytest.mark.parametrize("step", ["opened", "first_registration"])
def test_an_automatic_step_cannot_be_ticked_by_hand(step):
    s, _ = registered()
    with pytest.raises(DomainError) as refused:
        ido.complete_step(s, step, DEC_15)
    assert "vanzelf afgevinkt" in refused.value.message and refused.value.field == "step"


def test_timeliness_against_the_subsidy_year():
    t = ido.Timeliness
    assert ido.timeliness(YEAR, date(YEAR, 12, 31)) == t.IN_TIME
    assert ido.timeliness(YEAR, date(YEAR - 1, 12, 1)) == t.IN_TIME
    assert ido.timeliness(YEAR, date(YEAR + 1, 1, 1)) == t.LATE
    assert ido.timeliness(YEAR, None) == t.NOT_YET
    planned = ido.Status.PLANNED
    assert not ido.opens_late(YEAR, planned, DEC_15, None, date(YEAR, 12, 31))
    assert ido.opens_late(YEAR, planned, DEC_15, None, date(YEAR + 1, 1, 1))  # the year ended first
    assert ido.opens_late(YEAR, planned, date(YEAR + 1, 3, 1), None, date(YEAR, 6, 1))  # planned after it
    assert not ido.opens_late(YEAR, ido.Status.CLOSED, DEC_15, None, date(YEAR + 1, 1, 1))  # will not open
    assert ido.opens_late(YEAR, ido.Status.OPEN, DEC_15, date(YEAR + 1, 1, 4), date(YEAR + 1, 2, 1))
