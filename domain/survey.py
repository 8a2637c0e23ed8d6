"""The anonymous visitor survey of a library (the KB's IDO-impactmeting). The survey is one aggregate per library
(stream `survey-<id>`): the questions it asks, chosen from the national set (domain/survey_data.py), and its short
links per IDO location and per course. Each answer is a stream of its own (`survey_response-<id>`), so that
answering never waits for another answer. No login and no personal data: closed questions only, and an answer
holds the day, the location or course, and the answers — nothing about who gave them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from domain import survey_data as data
from domain.errors import DomainError, NotFound

LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: a link may be typed over from paper
LINK_LENGTH = 8
_LINK = re.compile(f"^[{LINK_ALPHABET}]{{{LINK_LENGTH}}}$")
MISSING = "Deze enquête bestaat niet (meer). Vraag bij de balie naar de juiste link."


class Source(StrEnum):
    DESK = "balie"
    COURSE = "cursus"


SOURCE_LABELS = {Source.DESK: "Bezoekers van de balie", Source.COURSE: "Deelnemers aan een cursus"}


# --- the national question set ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    text: str
    audience: str  # survey_data.DESK, COURSE or BOTH
    default: bool
    options: tuple[Option, ...]

    def asked_at(self, source: Source) -> bool:
        return self.audience in (data.BOTH, source.value)

    def option(self, code: str) -> Option:
        for o in self.options:
            if o.code == code:
                return o
        raise DomainError(f"Kies een van de antwoorden bij de vraag '{self.text}'.", field=self.code)


@dataclass(frozen=True, slots=True)
class QuestionSet:
    version: str
    questions: tuple[Question, ...]

    def question(self, code: str) -> Question:
        for q in self.questions:
            if q.code == code:
                return q
        raise DomainError(f"Onbekende vraag '{code}'.", field="questions")

    def defaults(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions if q.default)


SETS = {
    version: QuestionSet(
        version,
        tuple(
            Question(code, text, audience, default, tuple(Option(*o) for o in options))
            for code, text, audience, default, options in rows
        ),
    )
    for version, rows in data.QUESTIONS.items()
}
CURRENT = SETS[data.VERSION]


# --- events ---------------------------------------------------------------------------------------------------


class SurveyQuestionsChosen(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    survey_id: UUID
    question_set: str
    questions: tuple[str, ...]


class SurveyLinkOpened(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    survey_id: UUID
    link: str
    location_id: UUID
    course_id: UUID | None = None  # None: the link of a location's desk


class SurveyLinkClosed(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    survey_id: UUID
    link: str


class SurveyAnswered(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """One filled-in survey: the local day, where (a location's desk, or a course and its location), the
    questions shown and the answers given (question, answer). Nothing about the person."""

    response_id: UUID
    question_set: str
    location_id: UUID
    course_id: UUID | None
    answered_on: date
    asked: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]


SURVEY_EVENTS = (SurveyQuestionsChosen, SurveyLinkOpened, SurveyLinkClosed)
RESPONSE_EVENTS = (SurveyAnswered,)


# --- commands -------------------------------------------------------------------------------------------------


class ChooseSurveyQuestions(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: UUID
    questions: tuple[str, ...]


class OpenSurveyLink(msgspec.Struct, frozen=True, kw_only=True):
    """A location's desk (location_id), or a course (course_id: the handler takes the course's location)."""

    survey_id: UUID
    link: str  # made by the edge (random); the domain checks its form
    location_id: UUID | None = None
    course_id: UUID | None = None


class CloseSurveyLink(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: UUID
    link: str


class AnswerSurvey(msgspec.Struct, frozen=True, kw_only=True):
    response_id: UUID
    survey_id: UUID
    link: str
    answers: tuple[tuple[str, str], ...]


# --- state ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    link: str
    location_id: UUID
    course_id: UUID | None
    open: bool = True

    @property
    def source(self) -> Source:
        return Source.DESK if self.course_id is None else Source.COURSE


@dataclass(frozen=True)
class Survey:
    survey_id: UUID
    version: int = 0
    question_set: str = data.VERSION
    questions: tuple[str, ...] = ()  # none chosen yet: the national set's defaults are proposed
    links: dict[str, Link] = field(default_factory=dict)

    @property
    def chosen(self) -> bool:
        return bool(self.questions)

    def asked(self, source: Source) -> tuple[Question, ...]:
        """The questions a link of `source` shows, in the national set's order."""
        qs = SETS[self.question_set]
        return tuple(q for q in qs.questions if q.code in self.questions and q.asked_at(source))

    def open_link(self, link: str) -> Link:
        """Raises: NotFound for a link that does not exist or was closed."""
        found = self.links.get(link)
        if found is None or not found.open:
            raise NotFound(MISSING)
        return found

    def link_for(self, location_id: UUID, course_id: UUID | None) -> Link | None:
        """The open link of a location's desk (course_id None) or of a course."""
        for x in self.links.values():
            if x.open and x.location_id == location_id and x.course_id == course_id:
                return x
        return None


def survey_id_of(tenant_id: UUID) -> UUID:
    """A library has one survey."""
    return uuid5(NAMESPACE_URL, f"ido:{tenant_id}:survey")


def stream_id(survey_id: UUID) -> str:
    return f"survey-{survey_id}"


def response_stream_id(response_id: UUID) -> str:
    return f"survey_response-{response_id}"


def evolve(state: Survey, event: msgspec.Struct) -> Survey:
    s = replace(state, version=state.version + 1)
    match event:
        case SurveyQuestionsChosen(question_set=qs, questions=questions):
            return replace(s, question_set=qs, questions=questions)
        case SurveyLinkOpened(link=link, location_id=loc, course_id=course):
            return replace(s, links={**s.links, link: Link(link, loc, course)})
        case SurveyLinkClosed(link=link):
            return replace(s, links={**s.links, link: replace(s.links[link], open=False)})
    return s


def fold(survey_id: UUID, events: list[msgspec.Struct]) -> Survey:
    state = Survey(survey_id)
    for e in events:
        state = evolve(state, e)
    return state


# --- decisions ------------------------------------------------------------------------------------------------


def choose(state: Survey, cmd: ChooseSurveyQuestions) -> list[msgspec.Struct]:
    """Raises: DomainError for no question, too many, or one that is not in the national set."""
    wanted = {c.strip() for c in cmd.questions if c.strip()}
    for code in sorted(wanted):
        CURRENT.question(code)
    if not wanted:
        raise DomainError("Kies ten minste één vraag voor de enquête.", field="questions")
    if len(wanted) > data.MAX_CHOSEN:
        raise DomainError(
            f"Kies hoogstens {data.MAX_CHOSEN} vragen: een korte enquête wordt vaker ingevuld.",
            field="questions",
        )
    questions = tuple(q.code for q in CURRENT.questions if q.code in wanted)
    if state.chosen and (state.question_set, state.questions) == (CURRENT.version, questions):
        return []
    return [
        SurveyQuestionsChosen(survey_id=state.survey_id, question_set=CURRENT.version, questions=questions)
    ]


def open_link(state: Survey, cmd: OpenSurveyLink) -> list[msgspec.Struct]:
    """A short link for a location's desk or for a course. Opening it again while it is open changes nothing.
    Raises: DomainError when no question was chosen or none is for the link's visitors, or for a link code of
    the wrong form or in use."""
    if cmd.location_id is None:
        raise DomainError("Kies een IDO-locatie of een cursus.", field="location_id")
    if state.link_for(cmd.location_id, cmd.course_id) is not None:
        return []
    source = Source.DESK if cmd.course_id is None else Source.COURSE
    if not state.chosen:
        raise DomainError("Kies eerst de vragen van de enquête.", field="questions")
    if not state.asked(source):
        who = "bezoekers van de balie" if source is Source.DESK else "deelnemers aan een cursus"
        raise DomainError(
            f"Geen van de gekozen vragen is voor {who}. Kies er ten minste één.", field="questions"
        )
    if not _LINK.match(cmd.link) or cmd.link in state.links:
        raise DomainError("Deze link kan niet worden gebruikt; probeer het opnieuw.", field="link")
    return [
        SurveyLinkOpened(
            survey_id=state.survey_id, link=cmd.link, location_id=cmd.location_id, course_id=cmd.course_id
        )
    ]


def close_link(state: Survey, cmd: CloseSurveyLink) -> list[msgspec.Struct]:
    """Raises: NotFound for a link that does not exist or was closed already."""
    state.open_link(cmd.link)
    return [SurveyLinkClosed(survey_id=state.survey_id, link=cmd.link)]


def answer(state: Survey, cmd: AnswerSurvey, today: date) -> list[msgspec.Struct]:
    """One filled-in survey at an open link, with answers to the questions that link shows (any may be left
    unanswered, but not all). Raises: NotFound for a link that is not open; DomainError for an answer to a
    question not asked or an answer that is not one of the question's."""
    link = state.open_link(cmd.link)
    asked = state.asked(link.source)
    by_code = {q.code: q for q in asked}
    given: dict[str, str] = {}
    for code, option in cmd.answers:
        if code not in by_code:
            raise DomainError("Deze vraag hoort niet bij deze enquête.", field="questions")
        if option:
            given[code] = by_code[code].option(option).code
    if not given:
        raise DomainError("Beantwoord ten minste één vraag.", field=asked[0].code if asked else "questions")
    return [
        SurveyAnswered(
            response_id=cmd.response_id,
            question_set=state.question_set,
            location_id=link.location_id,
            course_id=link.course_id,
            answered_on=today,
            asked=tuple(q.code for q in asked),
            answers=tuple((q.code, given[q.code]) for q in asked if q.code in given),
        )
    ]


# --- the public form's rate limit -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyLimits:
    """Filled-in surveys sent from one address (the network a phone is on): a course of twenty behind the
    library's Wi-Fi fits in the first window; a script does not (docs/survey.md)."""

    per_window: int = 30
    window: int = 10 * 60  # seconds
    per_day: int = 200
    day: int = 24 * 60 * 60


class SurveyThrottled(DomainError):
    """Too many filled-in surveys from one address (HTTP 429)."""

    code = "throttled"
