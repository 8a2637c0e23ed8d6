"""The first-run guide of a new library's coordinator: five steps from a new library to its first question at the
desk, each done when what it asks for has happened (facts, never ticks): an IDO registered, its opening hours
set, a local partner listed, desk staff invited, a question registered. The guide disappears when all are done.

The planning checklist of domain/ido.py (ONBOARDING_STEPS) is another list: the steps to the opening of one IDO,
partly ticked by hand. Where both speak of the same fact they read it alike: the first question."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

STEPS = (
    ("ido", "Meld het IDO en zijn locatie aan"),
    ("hours", "Leg de openingstijden vast"),
    ("partners", "Voeg de lokale partners toe"),
    ("staff", "Nodig de baliemedewerkers uit"),
    ("question", "Registreer de eerste vraag aan de balie"),
)
WHY = {
    "ido": "Zonder IDO-locatie kan de balie geen vragen registreren.",
    "hours": "De balie en het dashboard rekenen met de openingstijden.",
    "partners": "Naar deze partners verwijst de balie door; ze staan in het baliemenu.",
    "staff": "Zij registreren de vragen. Nodig ten minste één baliemedewerker uit.",
    "question": "Dan werkt alles: de vraag telt mee in het dashboard en de verantwoording.",
}


@dataclass(frozen=True)
class Facts:
    """What has happened in the library, as far as the guide asks."""

    first_location: UUID | None = None  # the first IDO registered (its page has the opening hours)
    hours_set: bool = False  # opening hours with at least one period, for any IDO
    partners: bool = False  # at least one active local partner
    staff_invited: bool = False  # a desk member, or an invitation to the desk that was not revoked
    first_question: bool = False  # a question registered (or counted) at the desk


@dataclass(frozen=True)
class Step:
    code: str
    title: str
    why: str
    done: bool


@dataclass(frozen=True)
class Guide:
    steps: tuple[Step, ...]
    first_location: UUID | None

    @classmethod
    def of(cls, facts: Facts) -> Guide:
        done = {
            "ido": facts.first_location is not None,
            "hours": facts.hours_set,
            "partners": facts.partners,
            "staff": facts.staff_invited,
            "question": facts.first_question,
        }
        return cls(tuple(Step(c, t, WHY[c], done[c]) for c, t in STEPS), facts.first_location)

    @property
    def done_count(self) -> int:
        return sum(s.done for s in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done(self) -> bool:
        return self.done_count == self.total

    @property
    def next(self) -> Step | None:
        """The first step not done yet (the guide's suggestion)."""
        return next((s for s in self.steps if not s.done), None)
