"""Time spent helping: minutes per duration class of the catalogue, and the total and average of a set of
questions (pure). docs/decisions.md (2026-12-06, time spent) says why these minutes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.catalogue import CATALOGUE, Catalogue

# The middle of each class; "30 minuten of langer" has no upper bound: 45 is the middle of 30-60 minutes.
MINUTES: dict[str, float] = {"0-5": 2.5, "5-15": 10.0, "15-30": 22.5, "30+": 45.0}


def minutes(code: str) -> float | None:
    """The minutes a duration class stands for; None for no duration ('') or a code without minutes."""
    return MINUTES.get(code)


def unmapped(cat: Catalogue = CATALOGUE) -> list[str]:
    """Duration codes of the catalogue without minutes (a new class needs a value here before it is used)."""
    return [o.code for o in cat.durations if o.code not in MINUTES]


@dataclass(frozen=True, slots=True)
class HelpTime:
    """Questions, those of them with a duration, and the minutes those took (by MINUTES)."""

    questions: int = 0
    timed: int = 0
    minutes: float = 0.0

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def average(self) -> float | None:
        """Minutes per question with a duration; None when none has one."""
        return self.minutes / self.timed if self.timed else None

    def __add__(self, other: HelpTime) -> HelpTime:
        return HelpTime(
            self.questions + other.questions, self.timed + other.timed, self.minutes + other.minutes
        )

    def add(self, duration: str, count: int) -> HelpTime:
        m = minutes(duration)
        if m is None:
            return HelpTime(self.questions + count, self.timed, self.minutes)
        return HelpTime(self.questions + count, self.timed + count, self.minutes + m * count)


def help_time(rows: Iterable[tuple[str, int]]) -> HelpTime:
    """From (duration code or '', count) pairs."""
    out = HelpTime()
    for duration, count in rows:
        out = out.add(duration, count)
    return out


def decimal(value: float, places: int = 1) -> str:
    """Dutch notation, a half rounded up: 1.234,5 and 6,25 → 6,3."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    s = f"{rounded:,.{places}f}"
    return s.replace(",", "_").replace(".", ",").replace("_", ".")


def sentence(t: HelpTime) -> str:
    """'12,5 uur, gemiddeld 9,4 minuten per vraag, van 80 vragen met een duur (van 120 vragen)' (no full stop:
    it follows a label, "Hulptijd: …")."""
    if not t.timed:
        if t.questions == 1:
            return "de enige vraag heeft geen duur"
        return (
            f"geen van de {decimal(t.questions, 0)} vragen heeft een duur" if t.questions else "geen vragen"
        )
    per = "vraag" if t.timed == 1 else "vragen"
    out = (
        f"{decimal(t.hours)} uur, gemiddeld {decimal(t.average or 0)} minuten per vraag, "
        f"van {decimal(t.timed, 0)} {per} met een duur"
    )
    return out + (f" (van {decimal(t.questions, 0)} vragen)" if t.questions != t.timed else "")
