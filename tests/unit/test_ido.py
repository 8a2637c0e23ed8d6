"""The IDO location aggregate: every transition, and the refusals in Dutch."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain import ido
from domain.errors import DomainError
from domain.opening_hours import Slot

TODAY = date(2026, 11, 28)


def registered(planned: date = date(2026, 12, 15), year: int = 2026) -> ido.Ido:
    cmd = ido.RegisterIdo(
        tenant_id=uuid4(),
        location_id=uuid4(),
        name=" IDO Centrale ",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=year,
        planned_opening=planned,
    )
    return ido.fold(cmd.location_id, ido.register(cmd, TODAY))


def apply(state: ido.Ido, events: list) -> ido.Ido:
    for e in events:
        state = ido.evolve(state, e)
    return state


def test_registration_plans_the_opening():
    s = registered()
    assert s.status == ido.Status.PLANNED and s.planned == s.first_planned == date(2026, 12, 15)
    assert s.name == "IDO Centrale" and s.delay_days == 0 and not s.subsidy_year_slipped


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": " "}, "name"),
        ({"branch": ""}, "branch"),
        ({"subsidy_year": 2010}, "subsidy_year"),
        ({"planned_opening": TODAY - timedelta(days=1)}, "planned_opening"),
    ],
)
def test_registration_refusals(change, field):
    base = dict(
        tenant_id=uuid4(),
        location_id=uuid4(),
        name="IDO",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=2026,
        planned_opening=date(2026, 12, 15),
    )
    with pytest.raises(DomainError) as err:
        ido.register(ido.RegisterIdo(**{**base, **change}), TODAY)
    assert err.value.field == field


def test_rescheduling_keeps_the_previous_date_and_the_year_difference():
    s = registered()
    [e] = ido.reschedule(s, date(2027, 2, 1), "verbouwing loopt uit", TODAY)
    assert isinstance(e, ido.OpeningRescheduled)
    assert e.previous_date == date(2026, 12, 15) and e.year_difference == 1 and e.subsidy_year == 2026
    s = apply(s, [e])
    assert s.planned == date(2027, 2, 1) and s.delay_days == 48 and s.subsidy_year_slipped


@pytest.mark.parametrize(
    "new, reason, message",
    [
        (TODAY - timedelta(days=1), "reden", "verleden"),
        (date(2026, 12, 15), "reden", "al de geplande"),
        (date(2027, 1, 10), "  ", "reden"),
        (date(2027, 1, 10), "bel 0612345678", "telefoonnummer"),
    ],
)
def test_reschedule_refusals(new, reason, message):
    with pytest.raises(DomainError, match=message):
        ido.reschedule(registered(), new, reason, TODAY)


def test_no_reschedule_after_the_opening():
    s = registered()
    s = apply(s, ido.open_ido(s, TODAY, TODAY))
    with pytest.raises(DomainError, match="al geopend"):
        ido.reschedule(s, date(2027, 1, 1), "te laat", TODAY)


def test_opening_then_temporary_closure_and_reopening():
    s = registered()
    s = apply(s, ido.open_ido(s, TODAY, TODAY))
    assert s.status == ido.Status.OPEN and s.opened_on == TODAY
    with pytest.raises(DomainError, match="al geopend"):
        ido.open_ido(s, TODAY, TODAY)
    with pytest.raises(DomainError, match="niet tijdelijk gesloten"):
        ido.reopen(s, TODAY)
    s = apply(s, ido.close_temporarily(s, TODAY, TODAY + timedelta(days=30), "verbouwing"))
    assert s.status == ido.Status.TEMPORARILY_CLOSED and s.closed_until == TODAY + timedelta(days=30)
    s = apply(s, ido.reopen(s, TODAY + timedelta(days=20)))
    assert s.status == ido.Status.OPEN
    s = apply(s, ido.close(s, TODAY + timedelta(days=60), "gemeente stopt"))
    assert s.status == ido.Status.CLOSED
    with pytest.raises(DomainError, match="al gesloten"):
        ido.close(s, TODAY, "")


def test_opening_in_the_future_and_closure_refusals():
    s = registered()
    with pytest.raises(DomainError, match="verzet"):
        ido.open_ido(s, TODAY + timedelta(days=1), TODAY)
    with pytest.raises(DomainError, match="geopend IDO"):
        ido.close_temporarily(s, TODAY, None, "corona")
    s = apply(s, ido.open_ido(s, TODAY, TODAY))
    with pytest.raises(DomainError, match="eindigt"):
        ido.close_temporarily(s, TODAY, TODAY - timedelta(days=1), "corona")
    with pytest.raises(DomainError, match="reden"):
        ido.close_temporarily(s, TODAY, None, "")


def test_opening_hours_with_several_slots_a_day_and_holidays():
    s = registered()
    slots = [
        Slot(weekday=0, opens="13:00", closes="17:00"),
        Slot(weekday=0, opens="09:00", closes="12:00"),
        Slot(weekday=3, opens="18:00", closes="20:30"),
    ]
    s = apply(s, ido.set_hours(s, slots, [date(2026, 12, 25), date(2026, 12, 25)]))
    assert [x.opens for x in s.slots] == ["09:00", "13:00", "18:00"] and s.holidays == (date(2026, 12, 25),)
    assert s.hours_per_week == 9.5 and s.is_open(0, 9) and not s.is_open(0, 12) and s.is_open(3, 20)


@pytest.mark.parametrize(
    "slots, message",
    [
        (
            [Slot(weekday=1, opens="09:00", closes="12:00"), Slot(weekday=1, opens="11:30", closes="13:00")],
            "overlappen",
        ),
        (
            [Slot(weekday=1, opens="12:00", closes="09:00")],
            "sluitingstijd \\(09:00\\) later zijn dan de openingstijd \\(12:00\\)",
        ),
        ([Slot(weekday=1, opens="9 uur", closes="12:00")], "geen tijd"),
        ([Slot(weekday=7, opens="09:00", closes="12:00")], "dag van de week"),
    ],
)
def test_opening_hours_refusals(slots, message):
    with pytest.raises(DomainError, match=message):
        ido.set_hours(registered(), slots, [])


def test_onboarding_steps_are_completed_once():
    s = registered()
    s = apply(s, ido.complete_step(s, "staff_trained", TODAY))
    assert s.steps == {"staff_trained"} and ido.complete_step(s, "staff_trained", TODAY) == []
    with pytest.raises(DomainError):
        ido.complete_step(s, "koffie_gezet", TODAY)


def test_commands_on_an_unknown_ido_are_refused():
    with pytest.raises(DomainError, match="bestaat niet"):
        ido.reschedule(ido.Ido(uuid4()), date(2027, 1, 1), "x", TODAY)


# --- the gemeente of the location


def test_a_location_is_registered_with_or_without_a_gemeente_of_the_current_list():
    assert registered().gemeente is None and registered().gemeente_found is None
    cmd = ido.RegisterIdo(
        tenant_id=uuid4(),
        location_id=uuid4(),
        name="IDO Gemeentehuis",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=False,
        subsidy_year=2026,
        planned_opening=date(2026, 12, 15),
        gemeente=" GM0080 ",
    )
    [e] = ido.register(cmd, TODAY)
    assert (e.gemeente, e.gemeente_list) == ("GM0080", "2025")  # the code and the list version, no name
    s = ido.fold(cmd.location_id, [e])
    assert s.gemeente_found.name == "Leeuwarden" and s.gemeente_found.province == "Fryslân"
    assert not s.inside_library


def test_a_registration_with_a_code_not_in_the_list_is_refused_in_dutch():
    cmd = ido.RegisterIdo(
        tenant_id=uuid4(),
        location_id=uuid4(),
        name="IDO",
        branch="Centrale",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=2026,
        planned_opening=date(2026, 12, 15),
        gemeente="GM9999",
    )
    with pytest.raises(DomainError) as err:
        ido.register(cmd, TODAY)
    assert err.value.field == "gemeente"
    assert err.value.message.startswith("Deze gemeentecode staat niet in de lijst van gemeenten (2025).")


def test_the_gemeente_is_set_changed_and_a_repeat_changes_nothing():
    s = registered()
    [e] = ido.set_gemeente(s, "GM0363")
    assert e == ido.GemeenteSet(location_id=s.location_id, gemeente="GM0363", gemeente_list="2025")
    s = apply(s, [e])
    assert s.gemeente_found.name == "Amsterdam"
    assert ido.set_gemeente(s, "GM0363") == []
    s = apply(s, ido.set_gemeente(s, "GM1992"))
    assert (s.gemeente, s.gemeente_found.name) == ("GM1992", "Voorne aan Zee")
    closed = apply(s, [ido.IdoClosed(location_id=s.location_id, closed_on=TODAY)])
    assert ido.set_gemeente(closed, "GM0080")  # a closed IDO still shows in the reports, with its gemeente


@pytest.mark.parametrize("code, message", [("", "Kies de gemeente"), ("GM9999", "staat niet in de lijst")])
def test_setting_no_gemeente_or_an_unknown_one_is_refused(code, message):
    with pytest.raises(DomainError, match=message) as err:
        ido.set_gemeente(registered(), code)
    assert err.value.field == "gemeente"
    with pytest.raises(DomainError, match="bestaat niet"):
        ido.set_gemeente(ido.Ido(uuid4()), "GM0363")


def test_a_later_list_shows_its_name_only_once_the_location_is_moved_to_it():
    from domain import gemeenten

    renamed = gemeenten.GemeenteList(
        "2099", "test", (gemeenten.Gemeente("GM0363", "Amstelstad", "Noord-Holland"),)
    )
    s = apply(registered(), ido.set_gemeente(registered(), "GM0363"))
    assert s.gemeente_found.name == "Amsterdam"  # the 2025 list the event names
    [moved] = ido.set_gemeente(s, "GM0363", renamed)  # the same code, a newer list: moved
    assert moved.gemeente_list == "2099"
