"""Who hears of a planning fact, and why: the seed's rule as a table.

"Geef een wijziging in de planning altijd door aan je POI. Als de opening van het IDO in 2021 plaatsvindt en je
hebt in de subsidieaanvraag 2020 aangegeven, moet je dit ook doorgeven aan de KB."

A planning fact is an event of an IDO's stream (or one the sweep notes as time passes) together with its
situation: where the fact leaves the opening against the subsidy year. The POI hears of every fact; the KB of
every fact that puts the opening after the subsidy year, keeps it there, or takes it back into the year (the KB
was told it would be late). Facts after the opening (a temporary closure, a reopening, a closure) do not move the
opening: the POI alone. `TABLE` has exactly one row per fact and situation that can happen; the notices
projection looks a fact up in it, and the coordinator's planning page shows the rows of each form before the
coordinator confirms. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from domain import ido


class Fact(StrEnum):
    """The planning facts; the value is the notice's kind (stored, and sent in webhooks)."""

    REGISTERED = "registered"
    RESCHEDULED = "rescheduled"
    OPENED = "opened"
    DATE_PASSED = "opening_overdue"
    YEAR_ENDED = "subsidy_year_ended"
    TEMPORARILY_CLOSED = "temporarily_closed"
    REOPENED = "reopened"
    CLOSED = "closed"


FACT_LABELS = {
    Fact.REGISTERED: "Nieuw IDO aangemeld",
    Fact.RESCHEDULED: "Opening verzet",
    Fact.OPENED: "IDO geopend",
    Fact.DATE_PASSED: "Geplande opening verstreken",
    Fact.YEAR_ENDED: "Subsidiejaar voorbij zonder opening",
    Fact.TEMPORARILY_CLOSED: "Tijdelijk gesloten",
    Fact.REOPENED: "Heropend",
    Fact.CLOSED: "Gesloten",
}

_FACTS: dict[type, Fact] = {
    ido.IdoRegistered: Fact.REGISTERED,
    ido.OpeningRescheduled: Fact.RESCHEDULED,
    ido.IdoOpened: Fact.OPENED,
    ido.OpeningDatePassed: Fact.DATE_PASSED,
    ido.SubsidyYearEnded: Fact.YEAR_ENDED,
    ido.IdoTemporarilyClosed: Fact.TEMPORARILY_CLOSED,
    ido.IdoReopened: Fact.REOPENED,
    ido.IdoClosed: Fact.CLOSED,
}
FACT_EVENT_TYPES = frozenset(t.__name__ for t in _FACTS)  # the event types that are planning facts


class Situation(StrEnum):
    """Where the fact leaves the opening against the subsidy year (before → after the fact)."""

    IN_YEAR = "in_year"  # in the subsidy year before and after
    LEAVES_YEAR = "leaves_year"  # puts the opening after the subsidy year
    STAYS_AFTER = "stays_after"  # keeps it after the subsidy year
    BACK_IN_YEAR = "back_in_year"  # takes it back into the subsidy year
    AFTER_OPENING = "after_opening"  # the IDO had opened: the opening does not move


@dataclass(frozen=True)
class Row:
    fact: Fact
    situation: Situation
    kb: bool  # the POI always; the KB too?
    coordinator: bool  # a reminder to the library's coordinators as well (time passed without an opening)
    why: str  # Dutch; {jaar} is the subsidy year

    @property
    def poi(self) -> bool:
        return True

    def reason(self, subsidy_year: int) -> str:
        return self.why.format(jaar=subsidy_year)

    @property
    def who(self) -> str:
        """Dutch: who gets a notice, to complete "… een melding"."""
        return "de POI en de KB krijgen" if self.kb else "de POI krijgt"


_R, F, S = Row, Fact, Situation  # short names for the table only
TABLE: tuple[Row, ...] = (
    _R(F.REGISTERED, S.IN_YEAR, False, False, "Een nieuw IDO is aangemeld; de opening is gepland in het subsidiejaar {jaar}."),
    _R(F.REGISTERED, S.LEAVES_YEAR, True, False, "Een nieuw IDO is aangemeld met een opening die na het subsidiejaar {jaar} is gepland."),
    _R(F.RESCHEDULED, S.IN_YEAR, False, False, "De opening is verzet en blijft in het subsidiejaar {jaar}."),
    _R(F.RESCHEDULED, S.LEAVES_YEAR, True, False, "De opening is verzet naar na het subsidiejaar {jaar}."),
    _R(F.RESCHEDULED, S.STAYS_AFTER, True, False, "De opening is opnieuw verzet en blijft na het subsidiejaar {jaar}."),
    _R(F.RESCHEDULED, S.BACK_IN_YEAR, True, False, "De opening is teruggezet in het subsidiejaar {jaar}; de KB had gehoord dat ze later zou zijn."),
    _R(F.OPENED, S.IN_YEAR, False, False, "Het IDO is geopend in het subsidiejaar {jaar}."),
    _R(F.OPENED, S.LEAVES_YEAR, True, False, "Het IDO is geopend na het subsidiejaar {jaar}, later dan gepland."),
    _R(F.OPENED, S.STAYS_AFTER, True, False, "Het IDO is geopend na het subsidiejaar {jaar}."),
    _R(F.OPENED, S.BACK_IN_YEAR, True, False, "Het IDO is toch in het subsidiejaar {jaar} geopend; de KB had gehoord dat de opening later zou zijn."),
    _R(F.DATE_PASSED, S.IN_YEAR, False, True, "De geplande openingsdatum is verstreken zonder opening; het subsidiejaar {jaar} loopt nog."),
    _R(F.DATE_PASSED, S.STAYS_AFTER, True, True, "De geplande openingsdatum, na het subsidiejaar {jaar}, is verstreken zonder opening."),
    _R(F.YEAR_ENDED, S.LEAVES_YEAR, True, True, "Het subsidiejaar {jaar} is voorbij en het IDO is niet geopend: de opening valt na het subsidiejaar."),
    _R(F.TEMPORARILY_CLOSED, S.AFTER_OPENING, False, False, "Het IDO is tijdelijk gesloten; de opening zelf verandert niet."),
    _R(F.REOPENED, S.AFTER_OPENING, False, False, "Het IDO is heropend na een tijdelijke sluiting."),
    _R(F.CLOSED, S.AFTER_OPENING, False, False, "Het IDO is definitief gesloten; het was al geopend."),
    _R(F.CLOSED, S.LEAVES_YEAR, True, False, "Het IDO is gesloten voordat het openging: de opening in het subsidiejaar {jaar} gaat niet door."),
    _R(F.CLOSED, S.STAYS_AFTER, True, False, "Het IDO is gesloten voordat het openging; de opening lag al na het subsidiejaar {jaar}."),
)  # fmt: skip
del _R, F, S
_BY_KEY = {(r.fact, r.situation): r for r in TABLE}
assert len(_BY_KEY) == len(TABLE), "one row per fact and situation"


def rule(fact: Fact, situation: Situation) -> Row:
    """Raises: KeyError for a fact in a situation it cannot be in (a bug in the caller)."""
    return _BY_KEY[(fact, situation)]


def after_year(state: ido.Ido) -> bool:
    """Whether the opening lies after the subsidy year as the state stands: it opened, or is planned, later; the
    year ended first; or the IDO closed before it opened (it will not open in the year)."""
    if state.status == ido.Status.CLOSED and state.opened_on is None:
        return True
    return state.subsidy_year_slipped


def situation(before: ido.Ido, after: ido.Ido) -> Situation:
    """`before` is the state before the fact (version 0 for a registration: the application planned the opening
    in the subsidy year)."""
    if before.opened_on is not None:
        return Situation.AFTER_OPENING
    was, now = (before.version > 0 and after_year(before)), after_year(after)
    if was and now:
        return Situation.STAYS_AFTER
    if was:
        return Situation.BACK_IN_YEAR
    return Situation.LEAVES_YEAR if now else Situation.IN_YEAR


@dataclass(frozen=True)
class Telling:
    """One fact of one event, looked up in the table."""

    row: Row
    reason: str
    key: str  # the notice's dedupe key: one notice per fact

    @property
    def fact(self) -> Fact:
        return self.row.fact


def fact_of(event: msgspec.Struct) -> Fact | None:
    return _FACTS.get(type(event))


def notice_key(event_id: UUID, event: msgspec.Struct) -> str:
    """One notice per fact: a passed date once per (IDO, planned date), an ended year once per (IDO, year),
    every other fact once per event."""
    match event:
        case ido.OpeningDatePassed():
            return f"overdue:{event.location_id}:{event.planned.isoformat()}"
        case ido.SubsidyYearEnded():
            return f"year_end:{event.location_id}:{event.subsidy_year}"
    fact = fact_of(event)
    return f"{fact.value if fact else type(event).__name__}:{event_id}"


def telling(before: ido.Ido, event: msgspec.Struct, event_id: UUID) -> Telling | None:
    """Who is told of `event` (appended on `before`), why, and the notice's key; None for an event that is no
    planning fact (opening hours, a ticked step)."""
    fact = fact_of(event)
    if fact is None:
        return None
    after = ido.evolve(before, event)
    row = rule(fact, situation(before, after))
    return Telling(row, row.reason(after.subsidy_year), notice_key(event_id, event))


def fact_event_id(location_id: UUID, event: msgspec.Struct) -> UUID:
    """A deterministic id for a fact the sweep notes, so that a repeated or concurrent sweep appends it once."""
    return uuid5(NAMESPACE_URL, f"ido-fact:{location_id}:{notice_key(UUID(int=0), event)}")


@dataclass(frozen=True)
class Outcome:
    """One possible outcome of a form, for the page before the coordinator confirms."""

    when: str  # Dutch condition, "" when there is one outcome
    row: Row
    reason: str

    @property
    def sentence(self) -> str:
        who = self.row.who
        return f"{who[0].upper()}{who[1:]} een melding."

    @property
    def text(self) -> str:
        """ "Nieuwe datum na 31 december 2026: de POI en de KB krijgen een melding." (the condition, when there is one)."""
        return f"{self.when}: {self.row.who} een melding." if self.when else self.sentence


def _outcome(when: str, fact: Fact, before: ido.Ido, after: ido.Ido) -> Outcome:
    row = rule(fact, situation(before, after))
    return Outcome(when, row, row.reason(after.subsidy_year))


def _deduplicated(outcomes: list[Outcome]) -> tuple[Outcome, ...]:
    if len({(o.row.kb, o.reason) for o in outcomes}) == 1:
        return (Outcome("", outcomes[0].row, outcomes[0].reason),)
    return tuple(outcomes)


def preview(state: ido.Ido, form: str, today: date) -> tuple[Outcome, ...]:
    """What a planning form of the coordinator's page would tell whom, from the table and the IDO's state:
    `form` is reschedule, open, closure, reopen or close. A date still to be chosen gives one outcome per side
    of the subsidy year's end it may lie on (when the two differ)."""
    year, loc = state.subsidy_year, state.location_id
    last, first_after = date(year, 12, 31), date(year + 1, 1, 1)
    in_year, after_year_ = f"op of voor 31 december {year}", f"na 31 december {year}"
    outcomes: list[Outcome] = []
    match form:
        case "reschedule":
            for when, new, possible in (
                (f"Nieuwe datum {in_year}", last, today <= last),
                (f"Nieuwe datum {after_year_}", max(today, first_after), True),
            ):
                e = ido.OpeningRescheduled(
                    location_id=loc, previous_date=state.planned or new, new_date=new, reason="-",
                    subsidy_year=year, year_difference=0,
                )  # fmt: skip
                if possible:
                    outcomes.append(_outcome(when, Fact.RESCHEDULED, state, ido.evolve(state, e)))
        case "open":
            for when, on, possible in (
                (f"Geopend {in_year}", min(today, last), True),
                (f"Geopend {after_year_}", today, today >= first_after),
            ):
                if possible:
                    e = ido.IdoOpened(location_id=loc, opened_on=on)
                    outcomes.append(_outcome(f"{when}", Fact.OPENED, state, ido.evolve(state, e)))
        case "closure":
            e = ido.IdoTemporarilyClosed(location_id=loc, closed_from=today, reason="-")
            outcomes.append(_outcome("", Fact.TEMPORARILY_CLOSED, state, ido.evolve(state, e)))
        case "reopen":
            e = ido.IdoReopened(location_id=loc, reopened_on=today)
            outcomes.append(_outcome("", Fact.REOPENED, state, ido.evolve(state, e)))
        case "close":
            e = ido.IdoClosed(location_id=loc, closed_on=today)
            outcomes.append(_outcome("", Fact.CLOSED, state, ido.evolve(state, e)))
    return _deduplicated(outcomes) if outcomes else ()


def preview_registration() -> tuple[Outcome, ...]:
    """For the registration form, whose subsidy year is still to be filled in: an opening planned in the subsidy
    year (or before it), or after it."""
    year = 2000  # any: only who is told is shown
    new = ido.Ido(UUID(int=0))
    outcomes = []
    for when, planned in (
        ("Geplande opening in het subsidiejaar", date(year, 12, 31)),
        ("Geplande opening na het subsidiejaar", date(year + 1, 1, 1)),
    ):
        e = ido.IdoRegistered(
            location_id=new.location_id, name="-", branch="-", variant=ido.Variant.BASIS, inside_library=True,
            subsidy_year=year, planned_opening=planned,
        )  # fmt: skip
        outcomes.append(_outcome(when, Fact.REGISTERED, new, ido.evolve(new, e)))
    return tuple(outcomes)
