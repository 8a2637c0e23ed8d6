"""Opening hours of an IDO: a week of slots (several a day, no overlaps) and a list of holidays."""

from __future__ import annotations

import msgspec

from domain.errors import DomainError


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    """One opening period on a weekday (0 = Monday), local time, as "HH:MM"."""

    weekday: int
    opens: str
    closes: str

    def minutes(self) -> tuple[int, int]:
        return _minutes(self.opens), _minutes(self.closes)


WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def _minutes(hhmm: str) -> int:
    try:
        h, m = hhmm.split(":")
        value = int(h) * 60 + int(m)
    except ValueError:
        raise DomainError(
            f"'{hhmm}' is geen tijd; schrijf uu:mm, bijvoorbeeld 09:30.", field="slots"
        ) from None
    if not (len(h) == 2 and len(m) == 2 and 0 <= int(m) < 60 and 0 <= value <= 24 * 60):
        raise DomainError(f"'{hhmm}' is geen tijd; schrijf uu:mm, bijvoorbeeld 09:30.", field="slots")
    return value


def check_slots(slots: list[Slot]) -> tuple[Slot, ...]:
    """Raises: DomainError for a time that is not uu:mm, a slot that closes before it opens, or two slots of
    one day that overlap."""
    for s in slots:
        if not 0 <= s.weekday <= 6:
            raise DomainError("Kies een dag van de week.", field="slots")
        start, end = s.minutes()
        if end <= start:
            raise DomainError(
                f"Op {WEEKDAYS[s.weekday]} moet de sluitingstijd ({s.closes}) later zijn dan de "
                f"openingstijd ({s.opens}).",
                field="slots",
            )
    ordered = sorted(slots, key=lambda s: (s.weekday, s.minutes()))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.weekday == b.weekday and b.minutes()[0] < a.minutes()[1]:
            raise DomainError(
                f"Op {WEEKDAYS[a.weekday]} overlappen {a.opens}–{a.closes} en {b.opens}–{b.closes}.",
                field="slots",
            )
    return tuple(ordered)


def hours_per_week(slots: tuple[Slot, ...]) -> float:
    return sum(end - start for start, end in (s.minutes() for s in slots)) / 60
