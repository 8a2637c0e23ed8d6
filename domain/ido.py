"""The IDO location aggregate (stream `ido-<location id>`): registration, planning, opening and closing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

import msgspec

from domain import gemeenten
from domain.errors import DomainError
from domain.opening_hours import WEEKDAYS, Slot, check_slots, hours_per_week
from domain.privacy import check_free_text


class Variant(StrEnum):
    BASIS = "basis"
    ALTIJD_BESCHIKBAAR = "altijd_beschikbaar"
    BREDE_DIENSTVERLENING = "brede_dienstverlening"


VARIANT_LABELS = {
    Variant.BASIS: "Basis",
    Variant.ALTIJD_BESCHIKBAAR: "Altijd beschikbaar",
    Variant.BREDE_DIENSTVERLENING: "Brede dienstverlening",
}


class Status(StrEnum):
    PLANNED = "gepland"
    OPEN = "open"
    TEMPORARILY_CLOSED = "tijdelijk_gesloten"
    CLOSED = "gesloten"


STATUS_LABELS = {
    Status.PLANNED: "Gepland",
    Status.OPEN: "Open",
    Status.TEMPORARILY_CLOSED: "Tijdelijk gesloten",
    Status.CLOSED: "Gesloten",
}
MANUAL_STEPS = {  # the coordinator ticks these
    "staff_trained": "Medewerkers getraind",
    "promotion_in_place": "Huisstijl en promotiemateriaal aanwezig",
    "listed_on_gids": "Vermeld op hetinformatiepunt.nl (G!DS)",
    "partners_agreed": "Afspraken met lokale partners gemaakt",
}
AUTOMATIC_STEPS = {  # these follow from what happened, never from a tick
    "opened": "IDO geopend",
    "first_registration": "Eerste registratie gedaan",
}
ONBOARDING_STEPS = {**MANUAL_STEPS, **AUTOMATIC_STEPS}


class IdoRegistered(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    name: str
    branch: str
    variant: Variant
    inside_library: bool
    subsidy_year: int
    planned_opening: date
    gemeente: str | None = None  # CBS code, of the list version `gemeente_list` (domain/gemeenten.py)
    gemeente_list: str | None = None


class GemeenteSet(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The location's gemeente: a CBS code of the list version named (the name is looked up when read)."""

    location_id: UUID
    gemeente: str
    gemeente_list: str


class OpeningRescheduled(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    previous_date: date
    new_date: date
    reason: str
    subsidy_year: int
    year_difference: int  # new date's year minus the previous date's year


class IdoOpened(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    opened_on: date


class OpeningHoursSet(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    slots: tuple[Slot, ...]
    holidays: tuple[date, ...] = ()


class IdoTemporarilyClosed(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    closed_from: date
    until: date | None = None
    reason: str


class IdoReopened(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    reopened_on: date


class IdoClosed(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    closed_on: date
    reason: str = ""


class OnboardingStepCompleted(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    location_id: UUID
    step: str
    completed_on: date


class OpeningDatePassed(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The planned opening date passed without an opening (noted by the sweep, once per planned date)."""

    location_id: UUID
    planned: date
    noted_on: date


class SubsidyYearEnded(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The subsidy year ended before the IDO opened, while its planned date lay in that year (noted once)."""

    location_id: UUID
    subsidy_year: int
    planned: date


IDO_EVENTS = (
    IdoRegistered,
    OpeningRescheduled,
    IdoOpened,
    OpeningHoursSet,
    IdoTemporarilyClosed,
    IdoReopened,
    IdoClosed,
    OnboardingStepCompleted,
    OpeningDatePassed,
    SubsidyYearEnded,
    GemeenteSet,
)


class RegisterIdo(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: UUID
    location_id: UUID
    name: str
    branch: str
    variant: Variant
    inside_library: bool
    subsidy_year: int
    planned_opening: date
    gemeente: str = ""  # CBS code of the current list; empty: not given (yet)


class SetGemeente(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    gemeente: str


class RescheduleOpening(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    new_date: date
    reason: str = ""


class OpenIdo(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    opened_on: date


class CloseTemporarily(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    closed_from: date
    until: date | None = None
    reason: str = ""


class ReopenIdo(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    reopened_on: date


class CloseIdo(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    closed_on: date
    reason: str = ""


class CompleteStep(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    step: str


class SetOpeningHours(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    slots: list[Slot]
    holidays: list[date]


class NoteTimePassed(msgspec.Struct, frozen=True, kw_only=True):
    """From the sweep: note what the passing of time did to the planning (a passed date, an ended year)."""

    location_id: UUID


@dataclass(frozen=True)
class Ido:
    location_id: UUID
    version: int = 0
    name: str = ""
    branch: str = ""
    variant: Variant = Variant.BASIS
    inside_library: bool = True
    subsidy_year: int = 0
    first_planned: date | None = None
    planned: date | None = None
    status: Status = Status.PLANNED
    opened_on: date | None = None
    closed_from: date | None = None
    closed_until: date | None = None
    slots: tuple[Slot, ...] = ()
    holidays: tuple[date, ...] = ()
    steps: frozenset[str] = frozenset()
    step_dates: tuple[tuple[str, date], ...] = ()  # the ticked steps with their day, in the order ticked
    passed: frozenset[date] = frozenset()  # planned dates noted as passed without an opening
    year_ended: bool = False  # the subsidy year ended before the opening (noted)
    gemeente: str | None = None  # CBS code
    gemeente_list: str | None = None  # the version of the list of gemeenten the code is from

    @property
    def delay_days(self) -> int:
        """Days between the first plan and the current plan (or the actual opening)."""
        actual = self.opened_on or self.planned
        return (actual - self.first_planned).days if actual and self.first_planned else 0

    @property
    def subsidy_year_slipped(self) -> bool:
        """The opening lies after the subsidy year: it opened, or is planned, later; or the year ended first."""
        if self.opened_on is not None:
            return self.opened_on.year > self.subsidy_year
        return self.year_ended or bool(self.planned and self.planned.year > self.subsidy_year)

    @property
    def gemeente_found(self) -> gemeenten.Gemeente | None:
        """The gemeente, looked up in the list version the events name (None: not given)."""
        return gemeenten.lookup(self.gemeente, self.gemeente_list)

    @property
    def hours_per_week(self) -> float:
        return hours_per_week(self.slots)

    @property
    def registers_from(self) -> date:
        """Questions may be backdated to the start of the subsidy year, not before."""
        return date(self.subsidy_year, 1, 1)

    def is_open(self, weekday: int, hour: int) -> bool:
        """Whether an opening slot covers part of that hour (0 = Monday)."""
        return any(
            s.weekday == weekday and s.minutes()[0] < (hour + 1) * 60 and s.minutes()[1] > hour * 60
            for s in self.slots
        )


def stream_id(location_id: UUID) -> str:
    return f"ido-{location_id}"


def evolve(state: Ido, event: msgspec.Struct) -> Ido:
    s = replace(state, version=state.version + 1)
    match event:
        case IdoRegistered():
            return replace(
                s,
                name=event.name,
                branch=event.branch,
                variant=event.variant,
                inside_library=event.inside_library,
                subsidy_year=event.subsidy_year,
                first_planned=event.planned_opening,
                planned=event.planned_opening,
                gemeente=event.gemeente,
                gemeente_list=event.gemeente_list,
            )
        case GemeenteSet():
            return replace(s, gemeente=event.gemeente, gemeente_list=event.gemeente_list)
        case OpeningRescheduled():
            return replace(s, planned=event.new_date)
        case IdoOpened():
            return replace(s, status=Status.OPEN, opened_on=event.opened_on)
        case OpeningHoursSet():
            return replace(s, slots=event.slots, holidays=event.holidays)
        case IdoTemporarilyClosed():
            return replace(
                s, status=Status.TEMPORARILY_CLOSED, closed_from=event.closed_from, closed_until=event.until
            )
        case IdoReopened():
            return replace(s, status=Status.OPEN, closed_from=None, closed_until=None)
        case IdoClosed():
            return replace(s, status=Status.CLOSED, closed_from=event.closed_on)
        case OnboardingStepCompleted():
            dated = s.step_dates + ((event.step, event.completed_on),)
            return replace(s, steps=s.steps | {event.step}, step_dates=dated)
        case OpeningDatePassed():
            return replace(s, passed=s.passed | {event.planned})
        case SubsidyYearEnded():
            return replace(s, year_ended=True)
    return s


def fold(location_id: UUID, events: list[msgspec.Struct]) -> Ido:
    state = Ido(location_id)
    for e in events:
        state = evolve(state, e)
    return state


def register(
    cmd: RegisterIdo, today: date, gemeente_list: gemeenten.GemeenteList = gemeenten.CURRENT
) -> list[msgspec.Struct]:
    """Raises: DomainError for a missing name or branch, an invalid subsidy year, a planned date in the past or a
    gemeente code that is not in the list."""
    if not cmd.name.strip():
        raise DomainError("Geef het IDO een naam.", field="name")
    if not cmd.branch.strip():
        raise DomainError("Geef de vestiging op waar het IDO zit.", field="branch")
    if not 2019 <= cmd.subsidy_year <= today.year + 5:
        raise DomainError(f"Het subsidiejaar {cmd.subsidy_year} is niet geldig.", field="subsidy_year")
    if cmd.planned_opening < today:
        raise DomainError("De geplande openingsdatum ligt in het verleden.", field="planned_opening")
    code = gemeente_list.get(cmd.gemeente.strip()).code if cmd.gemeente.strip() else None
    return [
        IdoRegistered(
            location_id=cmd.location_id,
            name=cmd.name.strip()[:200],
            branch=cmd.branch.strip()[:200],
            variant=cmd.variant,
            inside_library=cmd.inside_library,
            subsidy_year=cmd.subsidy_year,
            planned_opening=cmd.planned_opening,
            gemeente=code,
            gemeente_list=gemeente_list.version if code else None,
        )
    ]


def _registered(state: Ido) -> None:
    if state.version == 0:
        raise DomainError("Dit IDO bestaat niet.")


def set_gemeente(
    state: Ido, code: str, gemeente_list: gemeenten.GemeenteList = gemeenten.CURRENT
) -> list[msgspec.Struct]:
    """The location's gemeente from the current list (also after it closed: the reports still show it). The same
    code of the same list changes nothing; the same code again when the location names an older list moves it to
    the current one (and so to the current name). Raises: DomainError for no code or one not in the list."""
    _registered(state)
    if not code.strip():
        raise DomainError("Kies de gemeente waarin het IDO ligt.", field="gemeente")
    found = gemeente_list.get(code.strip())
    if (state.gemeente, state.gemeente_list) == (found.code, gemeente_list.version):
        return []
    return [
        GemeenteSet(location_id=state.location_id, gemeente=found.code, gemeente_list=gemeente_list.version)
    ]


def reschedule(state: Ido, new_date: date, reason: str, today: date) -> list[msgspec.Struct]:
    """Raises: DomainError after the opening, for a date in the past, the same date, or without a reason."""
    _registered(state)
    if state.status != Status.PLANNED:
        raise DomainError(
            "Het IDO is al geopend; de openingsdatum kan niet meer verzet worden.", field="new_date"
        )
    if new_date < today:
        raise DomainError("De nieuwe openingsdatum ligt in het verleden.", field="new_date")
    if new_date == state.planned:
        raise DomainError("Dit is al de geplande openingsdatum.", field="new_date")
    if not reason.strip():
        raise DomainError("Geef de reden van de wijziging op; de POI krijgt die te zien.", field="reason")
    assert state.planned is not None
    return [
        OpeningRescheduled(
            location_id=state.location_id,
            previous_date=state.planned,
            new_date=new_date,
            reason=check_free_text(reason, "reason"),
            subsidy_year=state.subsidy_year,
            year_difference=new_date.year - state.planned.year,
        )
    ]


def open_ido(state: Ido, on: date, today: date) -> list[msgspec.Struct]:
    _registered(state)
    if state.status != Status.PLANNED:
        raise DomainError("Het IDO is al geopend.", field="opened_on")
    if on > today:
        raise DomainError(
            "Leg een opening vast op of na de dag zelf; verzet anders de planning.", field="opened_on"
        )
    return [IdoOpened(location_id=state.location_id, opened_on=on)]


def set_hours(state: Ido, slots: list[Slot], holidays: list[date]) -> list[msgspec.Struct]:
    _registered(state)
    if state.status == Status.CLOSED:
        raise DomainError("Dit IDO is gesloten.")
    return [
        OpeningHoursSet(
            location_id=state.location_id, slots=check_slots(slots), holidays=tuple(sorted(set(holidays)))
        )
    ]


def close_temporarily(state: Ido, closed_from: date, until: date | None, reason: str) -> list[msgspec.Struct]:
    _registered(state)
    if state.status != Status.OPEN:
        raise DomainError("Alleen een geopend IDO kan tijdelijk sluiten.", field="closed_from")
    if until is not None and until < closed_from:
        raise DomainError("De sluiting eindigt voordat ze begint.", field="until")
    if not reason.strip():
        raise DomainError("Geef de reden van de sluiting op, bijvoorbeeld verbouwing.", field="reason")
    return [
        IdoTemporarilyClosed(
            location_id=state.location_id,
            closed_from=closed_from,
            until=until,
            reason=check_free_text(reason, "reason"),
        )
    ]


def reopen(state: Ido, on: date) -> list[msgspec.Struct]:
    _registered(state)
    if state.status != Status.TEMPORARILY_CLOSED:
        raise DomainError("Het IDO is niet tijdelijk gesloten, dus kan niet heropenen.", field="reopened_on")
    if state.closed_from and on < state.closed_from:
        raise DomainError("Heropenen kan niet voor het begin van de sluiting.", field="reopened_on")
    return [IdoReopened(location_id=state.location_id, reopened_on=on)]


def close(state: Ido, on: date, reason: str) -> list[msgspec.Struct]:
    _registered(state)
    if state.status == Status.CLOSED:
        raise DomainError("Het IDO is al gesloten.", field="closed_on")
    return [IdoClosed(location_id=state.location_id, closed_on=on, reason=check_free_text(reason, "reason"))]


def complete_step(state: Ido, step: str, on: date) -> list[msgspec.Struct]:
    """Raises: DomainError for an unknown step, or one that ticks itself (the opening, the first question)."""
    _registered(state)
    if step in AUTOMATIC_STEPS:
        raise DomainError(
            f"'{AUTOMATIC_STEPS[step]}' wordt vanzelf afgevinkt: "
            + ("bij de opening." if step == "opened" else "bij de eerste geregistreerde vraag."),
            field="step",
        )
    if step not in ONBOARDING_STEPS:
        raise DomainError(f"Onbekende stap '{step}'.", field="step")
    if step in state.steps:
        return []
    return [OnboardingStepCompleted(location_id=state.location_id, step=step, completed_on=on)]


def note_time_passed(state: Ido, today: date) -> list[msgspec.Struct]:
    """What the passing of time did to a planned opening, each fact once: the planned date passed without an
    opening (once per planned date), and the subsidy year ended while the opening was still planned in it
    (once). Nothing for an IDO that opened or closed, or when nothing new passed."""
    _registered(state)
    if state.status != Status.PLANNED or state.planned is None:
        return []
    events: list[msgspec.Struct] = []
    if state.planned < today and state.planned not in state.passed:
        events.append(OpeningDatePassed(location_id=state.location_id, planned=state.planned, noted_on=today))
    if today.year > state.subsidy_year and state.planned.year <= state.subsidy_year and not state.year_ended:
        events.append(
            SubsidyYearEnded(
                location_id=state.location_id, subsidy_year=state.subsidy_year, planned=state.planned
            )
        )
    return events


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    done: bool
    done_on: date | None  # None also when done on a day not known (the boards read no days)
    automatic: bool


def checklist(
    ticked: Mapping[str, date | None], opened_on: date | None, first_question_on: date | None
) -> tuple[Step, ...]:
    """The steps to the opening, folded from what happened: the coordinator's ticks (`ticked`: step → day), the
    opening (IdoOpened) and the location's first question (the day of the first question the figures count).
    A stored tick of an automatic step (from before it became automatic) counts for nothing, so the checklist
    cannot say "first registration done" while the figures show no question."""
    automatic = {"opened": opened_on, "first_registration": first_question_on}
    return (
        *(Step(c, label, c in ticked, ticked.get(c), False) for c, label in MANUAL_STEPS.items()),
        *(
            Step(c, label, automatic[c] is not None, automatic[c], True)
            for c, label in AUTOMATIC_STEPS.items()
        ),
    )


def steps_done(ticked: Iterable[str], opened_on: date | None, first_question_on: date | None) -> int:
    """How many steps of the checklist are done (for the boards, which read the ticked steps without days)."""
    return sum(s.done for s in checklist(dict.fromkeys(ticked), opened_on, first_question_on))


class Timeliness(StrEnum):
    IN_TIME = "op_tijd"  # opened within (or before) the subsidy year
    LATE = "te_laat"  # opened after the subsidy year
    NOT_YET = "nog_niet"  # not opened (yet)


def timeliness(subsidy_year: int, opened_on: date | None) -> Timeliness:
    if opened_on is None:
        return Timeliness.NOT_YET
    return Timeliness.IN_TIME if opened_on.year <= subsidy_year else Timeliness.LATE


def opens_late(
    subsidy_year: int, status: Status, planned: date | None, opened_on: date | None, today: date
) -> bool:
    """Opened after the subsidy year, or not open while the year is over or the plan lies after it (an IDO
    closed before it opened is not counted: it will not open)."""
    if opened_on is not None:
        return opened_on.year > subsidy_year
    if status != Status.PLANNED:
        return False
    return today.year > subsidy_year or bool(planned and planned.year > subsidy_year)


__all__ = ["WEEKDAYS", "Slot"]
