"""How question events move the counts of the statistics read models (pure: event in, deltas out)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

import msgspec

from domain import questions as q
from domain.calendar import local, local_day


@dataclass(frozen=True, slots=True)
class CountKey:
    """One cell of `questions per day × location × party × topic × kind × help × channel` ('' = not known)."""

    day: date
    location_id: UUID
    npd_party: str
    topic: str
    kind: str
    help: str
    channel: str


@dataclass(frozen=True, slots=True)
class HourKey:
    """Local day and hour, so the weekday × hour heatmap can be filtered by period."""

    day: date
    location_id: UUID
    hour: int


@dataclass(frozen=True, slots=True)
class DurationKey:
    """One cell of `questions per day × location × party × topic × duration class` ('' = not known: a tally's
    topic, a question without a duration)."""

    day: date
    location_id: UUID
    npd_party: str
    topic: str
    duration: str


@dataclass(frozen=True, slots=True)
class ReferralKey:
    """Referrals per day × location × direction × partner × kind of question × warmth: `naar` a local partner
    (help "Doorverwezen naar lokale partner", warmth WARM, COLD or '' when not recorded) and `door` one (a
    visitor sent by a partner, warmth ''). A partner the library has not listed, or a referral naming none, is
    NO_PARTNER. The verantwoording counts the kinds of question its "Hoe geholpen" counts, the dashboard every
    kind: both sum these rows over the same kinds."""

    day: date
    location_id: UUID
    direction: str
    partner_id: UUID
    kind: str
    warmth: str


TO, FROM = "naar", "door"  # ReferralKey.direction
NO_PARTNER = UUID(int=0)  # a partner not listed ("staat er niet bij"), or none named


def _signed(event: msgspec.Struct) -> list[tuple[q.Classification, int]]:
    """The classifications an event adds (+1) and removes (-1)."""
    match event:
        case q.QuestionRegistered() | q.QuestionsTallied():
            return [(event.what, 1)]
        case q.QuestionCorrected():
            return [(event.previous, -1), (event.what, 1)]
        case q.QuestionRetracted():
            return [(event.previous, -1)]
    return []


def count_deltas(event: msgspec.Struct) -> list[tuple[CountKey, int]]:
    out = []
    for w, sign in _signed(event):
        key = CountKey(
            local_day(w.asked_at), w.location_id, w.npd_party, w.topic or "", w.kind, w.help or "", w.channel
        )
        out.append((key, sign * w.count))
    return out


def hour_deltas(event: msgspec.Struct) -> list[tuple[HourKey, int]]:
    out = []
    for w, sign in _signed(event):
        at = local(w.asked_at)
        out.append((HourKey(at.date(), w.location_id, at.hour), sign * w.count))
    return out


def referral_deltas(event: msgspec.Struct) -> list[tuple[ReferralKey, int]]:
    """The referrals to and from partners an event adds or removes; a correction takes the previous cells away
    and adds the new ones (another partner, warmth, kind, day or location moves the referral). A tally has no
    help and no partner, so no referral."""
    out = []
    for w, sign in _signed(event):
        day = local_day(w.asked_at)
        if w.help == q.REFERRAL:
            to = ReferralKey(day, w.location_id, TO, w.partner_id or NO_PARTNER, w.kind, w.warmth or "")
            out.append((to, sign * w.count))
        if w.referred_by_partner_id is not None or w.referred_by_unlisted:
            by = w.referred_by_partner_id or NO_PARTNER
            out.append((ReferralKey(day, w.location_id, FROM, by, w.kind, ""), sign * w.count))
    return out


def duration_deltas(event: msgspec.Struct) -> list[tuple[DurationKey, int]]:
    out = []
    for w, sign in _signed(event):
        key = DurationKey(local_day(w.asked_at), w.location_id, w.npd_party, w.topic or "", w.duration or "")
        out.append((key, sign * w.count))
    return out


# Visitors. A visit is one visitor with one or more questions (QuestionRegistered events sharing a visit_id); a
# tally counts its own visitors. The visitor counts once, in the cell (local day, hour, location) of the visit's
# first question that is not retracted (earliest asked_at, then the smallest question id), so visitors add up
# over hours, days, weeks and locations exactly like questions. Retracting that question moves the visitor to
# the next one; retracting the last removes it. A correction that moves a question to another time (or place)
# moves it within its visit, which may make another question the first.


@dataclass(frozen=True, slots=True)
class VisitQuestion:
    """A registered question as the visitors read model keeps it: its visit and its cell."""

    question_id: UUID
    visit_id: UUID
    location_id: UUID
    asked_at: datetime
    day: date
    hour: int

    @property
    def cell(self) -> HourKey:
        return HourKey(self.day, self.location_id, self.hour)


def cell(w: q.Classification) -> HourKey:
    at = local(w.asked_at)
    return HourKey(at.date(), w.location_id, at.hour)


def visit_question(event: msgspec.Struct) -> VisitQuestion | None:
    """The visit's question a registration adds (None for any other event)."""
    if not isinstance(event, q.QuestionRegistered):
        return None
    c = cell(event.what)
    return VisitQuestion(
        event.question_id, event.visit_id, event.what.location_id, event.what.asked_at, c.day, c.hour
    )


def moved_question(event: msgspec.Struct) -> VisitQuestion | None:
    """Where a correction moves a registered question, when it moves it (visit_id unknown: the nil UUID)."""
    if not isinstance(event, q.QuestionCorrected):
        return None
    before, after = event.previous, event.what
    if (before.asked_at, before.location_id) == (after.asked_at, after.location_id):
        return None
    c = cell(after)
    return VisitQuestion(event.question_id, UUID(int=0), after.location_id, after.asked_at, c.day, c.hour)


def retracted_question(event: msgspec.Struct) -> UUID | None:
    """The registered question a retraction removes from its visit (None for a tally's or any other event)."""
    if isinstance(event, q.QuestionRetracted) and not q.is_tally(event.previous):
        return event.question_id
    return None


def tally_visitor_deltas(event: msgspec.Struct) -> list[tuple[HourKey, int]]:
    """The visitors of tallies an event adds or removes."""
    return [(cell(w), sign * q.tally_visitors(w)) for w, sign in _signed(event) if q.is_tally(w)]


def first_question(questions: Iterable[VisitQuestion]) -> VisitQuestion:
    """The question whose cell counts the visitor."""
    return min(questions, key=lambda v: (v.asked_at, v.question_id))


def visitors(events: Iterable[msgspec.Struct]) -> dict[HourKey, int]:
    """The visitors per cell of a whole history, folded from scratch (what the projection keeps up to date
    incrementally; the property test compares the two)."""
    live: dict[UUID, VisitQuestion] = {}
    tallies: list[tuple[HourKey, int]] = []
    for e in events:
        if (v := visit_question(e)) is not None:
            live[v.question_id] = v
        if (m := moved_question(e)) is not None and m.question_id in live:
            live[m.question_id] = replace(m, visit_id=live[m.question_id].visit_id)
        if (gone := retracted_question(e)) is not None:
            live.pop(gone, None)
        tallies += tally_visitor_deltas(e)
    per_visit: dict[UUID, list[VisitQuestion]] = {}
    for v in live.values():
        per_visit.setdefault(v.visit_id, []).append(v)
    anchors = [(first_question(vs).cell, 1) for vs in per_visit.values()]
    return merge([*anchors, *tallies])  # type: ignore[return-value]


def merge(deltas: list[tuple[object, int]]) -> dict[object, int]:
    """Sum the deltas of a batch per key, dropping keys that cancel out."""
    total: dict[object, int] = {}
    for key, d in deltas:
        total[key] = total.get(key, 0) + d
    return {k: v for k, v in total.items() if v}
