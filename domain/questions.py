"""The question aggregate (stream `question-<id>`): register, correct, retract, and tallies for busy hours."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import msgspec

from domain.calendar import local_day
from domain.catalogue import CATALOGUE
from domain.errors import DomainError, NotFound
from domain.privacy import check_free_text
from domain.referrals import REFERRAL as REFERRAL  # the help kind, where the desk and reports have it
from domain.referrals import check_partner, check_referred_by, warmth_of

MAX_TALLY = 500
CLOCK_SKEW = timedelta(minutes=2)


class Classification(msgspec.Struct, frozen=True, kw_only=True):
    """What a read model counts. Corrections and retractions carry the old classification,
    so a projection can move a count without looking anything up."""

    location_id: UUID
    asked_at: datetime
    kind: str
    npd_party: str
    topic: str | None
    help: str | None
    channel: str
    duration: str | None = None
    partner_id: UUID | None = None
    # a referral to a local partner: WARM or COLD; None when not recorded (other help, or before it was asked)
    warmth: str | None = None
    # the local partner that sent the visitor ("Doorverwezen door"), whatever the help: one of the library's, or
    # one it has not listed (referred_by_unlisted)
    referred_by_partner_id: UUID | None = None
    referred_by_unlisted: bool = False
    count: int = 1
    # A tally's visitors; absent (never written) for a registered question, whose visit is its visit_id, and
    # for a tally stored before visitors were counted, which counts one visitor per question (tally_visitors).
    visitors: int | msgspec.UnsetType = msgspec.UNSET


class QuestionRegistered(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    question_id: UUID
    visit_id: UUID
    what: Classification
    note: str = ""
    catalogue_version: str


class QuestionCorrected(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    question_id: UUID
    previous: Classification
    what: Classification
    note: str = ""
    catalogue_version: str


class QuestionRetracted(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    question_id: UUID
    previous: Classification


class QuestionsTallied(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """N questions for one party in one hour, entered after a busy hour (topic and help unknown), asked by
    `what.visitors` visitors (tally_visitors)."""

    question_id: UUID
    what: Classification
    catalogue_version: str


QUESTION_EVENTS = (QuestionRegistered, QuestionCorrected, QuestionRetracted, QuestionsTallied)


@dataclass(frozen=True)
class Question:
    question_id: UUID
    version: int = 0
    what: Classification | None = None
    note: str = ""
    visit_id: UUID | None = None
    retracted: bool = False
    tally: bool = False


def stream_id(question_id: UUID) -> str:
    return f"question-{question_id}"


def evolve(state: Question, event: msgspec.Struct) -> Question:
    state = replace(state, version=state.version + 1)
    match event:
        case QuestionRegistered():
            return replace(state, what=event.what, note=event.note, visit_id=event.visit_id)
        case QuestionCorrected():
            return replace(state, what=event.what, note=event.note)
        case QuestionRetracted():
            return replace(state, retracted=True)
        case QuestionsTallied():
            return replace(state, what=event.what, tally=True)
    return state


def fold(question_id: UUID, events: list[msgspec.Struct]) -> Question:
    state = Question(question_id)
    for e in events:
        state = evolve(state, e)
    return state


@dataclass(frozen=True)
class DeskContext:
    """What the edge looked up for a decision: now, the library's IDO locations (with the first day each may
    register) and its local partners."""

    now: datetime
    locations: dict[UUID, date]
    partners: frozenset[UUID]


class RegisterQuestion(msgspec.Struct, frozen=True, kw_only=True):
    question_id: UUID
    visit_id: UUID
    location_id: UUID
    npd_party: str
    topic: str
    help: str
    kind: str = "digitale_overheid"
    channel: str = "balie"
    duration: str | None = None
    partner_id: UUID | None = None
    # referred to a local partner the library has not listed ("staat er niet bij")
    partner_unlisted: bool = False
    # a referral: WARM or COLD (or WARMTH_UNKNOWN, said explicitly); None is refused for a referral
    warmth: str | None = None
    # sent by a local partner ("Doorverwezen door"): one of the library's, or one it has not listed
    referred_by_partner_id: UUID | None = None
    referred_by_unlisted: bool = False
    note: str = ""
    asked_at: datetime | None = None


class CorrectQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """A new classification of a question; `asked_at` None keeps the time it was asked."""

    question_id: UUID
    npd_party: str
    topic: str
    help: str
    kind: str = "digitale_overheid"
    channel: str = "balie"
    duration: str | None = None
    partner_id: UUID | None = None
    partner_unlisted: bool = False
    warmth: str | None = None
    referred_by_partner_id: UUID | None = None
    referred_by_unlisted: bool = False
    note: str = ""
    by_coordinator: bool = False  # imported questions are the coordinator's (may_change)
    asked_at: datetime | None = None


class RegisterQuestions(msgspec.Struct, frozen=True, kw_only=True):
    """Several registrations at once (an import's batch)."""

    questions: list[RegisterQuestion]


class RetractQuestion(msgspec.Struct, frozen=True, kw_only=True):
    question_id: UUID
    by_coordinator: bool = False  # imported questions are the coordinator's (may_change)


class TallyQuestions(msgspec.Struct, frozen=True, kw_only=True):
    question_id: UUID
    location_id: UUID
    hour_start: datetime
    npd_party: str
    count: int
    kind: str = "digitale_overheid"
    visitors: int | None = None  # None: one visitor per question


def is_tally(what: Classification) -> bool:
    """A tally has no topic (a registered question always has one)."""
    return what.topic is None


def tally_visitors(what: Classification) -> int:
    """The visitors a tally counts: as many as were given, else one per question (the rule for tallies entered
    without a number of visitors, and for every tally stored before the number could be given)."""
    return what.count if isinstance(what.visitors, msgspec.UnsetType) else what.visitors


def _classify(
    cmd: RegisterQuestion | CorrectQuestion, location_id: UUID, asked_at: datetime, ctx: DeskContext
) -> Classification:
    c = CATALOGUE
    c.party(cmd.npd_party)
    c.check_topic(cmd.npd_party, cmd.topic)
    c.help_kind(cmd.help)
    c.question_kind(cmd.kind)
    c.channel(cmd.channel)
    if cmd.duration:
        c.duration(cmd.duration)
    check_partner(cmd, ctx.partners)
    warmth = warmth_of(cmd)
    check_referred_by(cmd, ctx.partners)
    return Classification(
        location_id=location_id,
        asked_at=asked_at,
        kind=cmd.kind,
        npd_party=cmd.npd_party,
        topic=cmd.topic,
        help=cmd.help,
        channel=cmd.channel,
        duration=cmd.duration or None,
        partner_id=cmd.partner_id,  # None for a partner not listed
        warmth=warmth,
        referred_by_partner_id=cmd.referred_by_partner_id,
        referred_by_unlisted=cmd.referred_by_unlisted,
    )


def _check_when(asked_at: datetime, location_id: UUID, ctx: DeskContext, field: str) -> None:
    if location_id not in ctx.locations:
        raise DomainError("Dit IDO hoort niet bij uw bibliotheek.", field="location_id")
    if asked_at.tzinfo is None:
        raise DomainError("Geef een tijdstip met tijdzone op.", field=field)
    if asked_at > ctx.now + CLOCK_SKEW:
        raise DomainError("Het tijdstip van de vraag ligt in de toekomst.", field=field)
    first = ctx.locations[location_id]
    if local_day(asked_at) < first:
        raise DomainError(
            f"Dit IDO registreert pas vanaf {first:%d-%m-%Y}; kies een latere datum.", field=field
        )


def register(cmd: RegisterQuestion, ctx: DeskContext) -> list[msgspec.Struct]:
    """Raises: DomainError for an unknown code, a topic of another party, a time in the future or before
    the location registers, an unknown partner, a referral without warm or cold, or personal data in the
    note."""
    asked_at = cmd.asked_at or ctx.now
    _check_when(asked_at, cmd.location_id, ctx, "asked_at")
    what = _classify(cmd, cmd.location_id, asked_at, ctx)
    note = check_free_text(cmd.note, "note") if cmd.note else ""
    return [
        QuestionRegistered(
            question_id=cmd.question_id,
            visit_id=cmd.visit_id,
            what=what,
            note=note,
            catalogue_version=CATALOGUE.version,
        )
    ]


def may_change(imported: bool, by_coordinator: bool) -> None:
    """Questions an import brought in are the coordinator's: the desk corrects and undoes what desk users
    entered. Raises: DomainError for anyone else."""
    if imported and not by_coordinator:
        raise DomainError(
            "Deze vraag komt uit een import; alleen de coördinator kan haar verbeteren of ongedaan maken."
        )


def correct(
    state: Question, cmd: CorrectQuestion, ctx: DeskContext, *, imported: bool = False
) -> list[msgspec.Struct]:
    """Raises: what register raises; a new time is held to the same rules as a backdated registration."""
    _must_exist(state)
    may_change(imported, cmd.by_coordinator)
    if state.tally:
        raise DomainError("Een telling kunt u niet verbeteren; maak haar ongedaan en tel opnieuw.")
    assert state.what is not None
    asked_at = state.what.asked_at
    if cmd.asked_at is not None and _moved(cmd.asked_at, asked_at):
        _check_when(cmd.asked_at, state.what.location_id, ctx, "asked_at")
        asked_at = cmd.asked_at
    what = _classify(cmd, state.what.location_id, asked_at, ctx)
    note = check_free_text(cmd.note, "note") if cmd.note else ""
    if what == state.what and note == state.note:
        return []
    return [
        QuestionCorrected(
            question_id=state.question_id,
            previous=state.what,
            what=what,
            note=note,
            catalogue_version=CATALOGUE.version,
        )
    ]


def _moved(given: datetime, stored: datetime) -> bool:
    """Whether a correction moves the time: a time in the stored minute (a form shows minutes) keeps the
    stored instant. A time without a zone is a move, which _check_when refuses."""
    if given.tzinfo is None:
        return True

    def minute(t: datetime) -> datetime:
        return t.astimezone(UTC).replace(second=0, microsecond=0)

    return minute(given) != minute(stored)


def retract(state: Question, *, imported: bool = False, by_coordinator: bool = False) -> list[msgspec.Struct]:
    _must_exist(state)
    may_change(imported, by_coordinator)
    assert state.what is not None
    return [QuestionRetracted(question_id=state.question_id, previous=state.what)]


def tally(cmd: TallyQuestions, ctx: DeskContext) -> list[msgspec.Struct]:
    if not 1 <= cmd.count <= MAX_TALLY:
        raise DomainError(f"Vul een aantal van 1 tot en met {MAX_TALLY} vragen in.", field="count")
    if cmd.hour_start.minute or cmd.hour_start.second or cmd.hour_start.microsecond:
        raise DomainError("Een telling hoort bij een heel uur.", field="hour_start")
    _check_when(cmd.hour_start, cmd.location_id, ctx, "hour_start")
    if cmd.visitors is not None and not 1 <= cmd.visitors <= cmd.count:
        raise DomainError(
            f"Vul een aantal bezoekers in van 1 tot en met {cmd.count}: niet meer bezoekers dan vragen.",
            field="visitors",
        )
    CATALOGUE.party(cmd.npd_party)
    CATALOGUE.question_kind(cmd.kind)
    what = Classification(
        location_id=cmd.location_id,
        asked_at=cmd.hour_start,
        kind=cmd.kind,
        npd_party=cmd.npd_party,
        topic=None,
        help=None,
        channel="balie",
        count=cmd.count,
        visitors=msgspec.UNSET if cmd.visitors is None else cmd.visitors,
    )
    return [QuestionsTallied(question_id=cmd.question_id, what=what, catalogue_version=CATALOGUE.version)]


def _must_exist(state: Question) -> None:
    if state.version == 0:
        raise NotFound("Deze vraag bestaat niet.")
    if state.retracted:
        raise DomainError("Deze vraag is al ongedaan gemaakt.")
