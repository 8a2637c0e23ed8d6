"""How question events move the counts of the statistics read models (pure: event in, deltas out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
class ReferralKey:
    day: date
    location_id: UUID
    partner_id: UUID


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
    return [
        (ReferralKey(local_day(w.asked_at), w.location_id, w.partner_id), sign * w.count)
        for w, sign in _signed(event)
        if w.partner_id is not None
    ]


def merge(deltas: list[tuple[object, int]]) -> dict[object, int]:
    """Sum the deltas of a batch per key, dropping keys that cancel out."""
    total: dict[object, int] = {}
    for key, d in deltas:
        total[key] = total.get(key, 0) + d
    return {k: v for k, v in total.items() if v}
