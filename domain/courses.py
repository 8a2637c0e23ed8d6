"""The course aggregate (stream `course-<id>`): digital-skills courses, pseudonymous participants, attendance."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

import msgspec

from domain.errors import DomainError
from domain.privacy import check_free_text

MAX_SESSIONS = 30
MAX_CAPACITY = 200
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and written down


class Programme(StrEnum):
    KLIK_TIK = "klik_tik"
    DIGISTERKER = "digisterker"
    DIGID = "digid_cursus"
    E_OVERHEID = "werken_e_overheid"
    OWN = "eigen"


PROGRAMME_LABELS = {
    Programme.KLIK_TIK: "Klik & Tik",
    Programme.DIGISTERKER: "Digisterker",
    Programme.DIGID: "DigiD-cursus",
    Programme.E_OVERHEID: "Werken met de e-overheid",
    Programme.OWN: "Eigen cursus",
}


class CourseScheduled(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    course_id: UUID
    programme: Programme
    title: str  # the programme's name, or the library's own course name
    location_id: UUID
    start_date: date
    sessions: int
    capacity: int


class ParticipantEnrolled(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    course_id: UUID
    code: str  # pseudonymous, made by the system; never a name
    via_question_id: UUID | None = None


class ParticipantWithdrew(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    course_id: UUID
    code: str


class SessionAttendanceRecorded(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    course_id: UUID
    session: int
    held_on: date
    present: tuple[str, ...]


class CourseCompleted(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    course_id: UUID
    completed: tuple[str, ...]


class CourseCancelled(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    course_id: UUID
    reason: str = ""


COURSE_EVENTS = (
    CourseScheduled,
    ParticipantEnrolled,
    ParticipantWithdrew,
    SessionAttendanceRecorded,
    CourseCompleted,
    CourseCancelled,
)


class CourseStatus(StrEnum):
    SCHEDULED = "gepland"
    COMPLETED = "afgerond"
    CANCELLED = "geannuleerd"


@dataclass(frozen=True)
class Course:
    course_id: UUID
    version: int = 0
    programme: Programme = Programme.OWN
    title: str = ""
    location_id: UUID | None = None
    start_date: date | None = None
    sessions: int = 0
    capacity: int = 0
    status: CourseStatus = CourseStatus.SCHEDULED
    enrolled: tuple[str, ...] = ()  # active, in order of enrolment
    withdrawn: tuple[str, ...] = ()
    via_desk: frozenset[str] = frozenset()
    attendance: dict[int, tuple[date, tuple[str, ...]]] = field(default_factory=dict)
    completed: tuple[str, ...] = ()

    @property
    def attended(self) -> frozenset[str]:
        """Participants present at least once: the course's cursisten."""
        return frozenset(c for _, present in self.attendance.values() for c in present)


class ScheduleCourse(msgspec.Struct, frozen=True, kw_only=True):
    course_id: UUID
    programme: Programme
    title: str
    location_id: UUID
    start_date: date
    sessions: int
    capacity: int


class Enrol(msgspec.Struct, frozen=True, kw_only=True):
    course_id: UUID
    via_question_id: UUID | None = None


class Withdraw(msgspec.Struct, frozen=True, kw_only=True):
    course_id: UUID
    code: str


class RecordAttendance(msgspec.Struct, frozen=True, kw_only=True):
    course_id: UUID
    session: int
    held_on: date
    present: list[str]


class CompleteCourse(msgspec.Struct, frozen=True, kw_only=True):
    course_id: UUID
    completed: list[str]


class CancelCourse(msgspec.Struct, frozen=True, kw_only=True):
    course_id: UUID
    reason: str = ""


def stream_id(course_id: UUID) -> str:
    return f"course-{course_id}"


def evolve(s: Course, e: msgspec.Struct) -> Course:
    s = replace(s, version=s.version + 1)
    match e:
        case CourseScheduled():
            return replace(
                s,
                programme=e.programme,
                title=e.title,
                location_id=e.location_id,
                start_date=e.start_date,
                sessions=e.sessions,
                capacity=e.capacity,
            )
        case ParticipantEnrolled():
            via = s.via_desk | {e.code} if e.via_question_id else s.via_desk
            return replace(s, enrolled=(*s.enrolled, e.code), via_desk=via)
        case ParticipantWithdrew():
            return replace(
                s, enrolled=tuple(c for c in s.enrolled if c != e.code), withdrawn=(*s.withdrawn, e.code)
            )
        case SessionAttendanceRecorded():
            return replace(s, attendance={**s.attendance, e.session: (e.held_on, e.present)})
        case CourseCompleted():
            return replace(s, status=CourseStatus.COMPLETED, completed=e.completed)
        case CourseCancelled():
            return replace(s, status=CourseStatus.CANCELLED)
    return s


def fold(course_id: UUID, events: list[msgspec.Struct]) -> Course:
    s = Course(course_id)
    for e in events:
        s = evolve(s, e)
    return s


def schedule(
    course_id: UUID,
    programme: Programme,
    title: str,
    location_id: UUID,
    locations: set[UUID],
    start_date: date,
    sessions: int,
    capacity: int,
    today: date,
) -> list[msgspec.Struct]:
    """Raises: DomainError for an unknown location, a missing own-course name, or impossible numbers."""
    if location_id not in locations:
        raise DomainError("Kies een IDO-locatie van uw bibliotheek.", field="location_id")
    name = (
        check_free_text(title.strip(), "title", max_length=120)
        if programme == Programme.OWN
        else PROGRAMME_LABELS[programme]
    )
    if not name:
        raise DomainError("Geef de eigen cursus een naam.", field="title")
    if not 1 <= sessions <= MAX_SESSIONS:
        raise DomainError(f"Een cursus heeft 1 tot {MAX_SESSIONS} bijeenkomsten.", field="sessions")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(f"Kies een capaciteit van 1 tot {MAX_CAPACITY} deelnemers.", field="capacity")
    if start_date < date(today.year - 1, 1, 1):
        raise DomainError("De startdatum ligt te ver in het verleden.", field="start_date")
    return [
        CourseScheduled(
            course_id=course_id,
            programme=programme,
            title=name,
            location_id=location_id,
            start_date=start_date,
            sessions=sessions,
            capacity=capacity,
        )
    ]


def _open(s: Course) -> None:
    if s.version == 0:
        raise DomainError("Deze cursus bestaat niet.")
    if s.status == CourseStatus.CANCELLED:
        raise DomainError("Deze cursus is geannuleerd; er kan niets meer veranderen.")
    if s.status == CourseStatus.COMPLETED:
        raise DomainError("Deze cursus is afgerond; er kan niets meer veranderen.")


def enrol(s: Course, code: str, via_question_id: UUID | None) -> list[msgspec.Struct]:
    """`code` comes from the edge (random, in CODE_ALPHABET). Raises: DomainError when the course is full."""
    _open(s)
    if len(s.enrolled) >= s.capacity:
        raise DomainError(
            f"De cursus is vol ({s.capacity} {'deelnemer' if s.capacity == 1 else 'deelnemers'}).",
            field="capacity",
        )
    if (
        code in s.enrolled
        or code in s.withdrawn
        or not code
        or any(ch not in CODE_ALPHABET + "-" for ch in code)
    ):
        raise DomainError("Deze deelnemerscode kan niet; probeer het opnieuw.", field="code")
    return [ParticipantEnrolled(course_id=s.course_id, code=code, via_question_id=via_question_id)]


def withdraw(s: Course, code: str) -> list[msgspec.Struct]:
    _open(s)
    if code not in s.enrolled:
        raise DomainError(f"Deelnemer {code} staat niet ingeschreven voor deze cursus.", field="code")
    return [ParticipantWithdrew(course_id=s.course_id, code=code)]


def record_attendance(s: Course, session: int, held_on: date, present: list[str]) -> list[msgspec.Struct]:
    _open(s)
    if not 1 <= session <= s.sessions:
        raise DomainError(
            f"Bijeenkomst {session} bestaat niet; deze cursus heeft er {s.sessions}.", field="session"
        )
    unknown = sorted(set(present) - set(s.enrolled))
    if unknown:
        raise DomainError(f"Niet ingeschreven: {', '.join(unknown)}.", field="present")
    return [
        SessionAttendanceRecorded(
            course_id=s.course_id, session=session, held_on=held_on, present=tuple(sorted(set(present)))
        )
    ]


def complete(s: Course, completed: list[str]) -> list[msgspec.Struct]:
    _open(s)
    unknown = sorted(set(completed) - set(s.enrolled))
    if unknown:
        raise DomainError(f"Niet ingeschreven: {', '.join(unknown)}.", field="completed")
    return [CourseCompleted(course_id=s.course_id, completed=tuple(sorted(set(completed))))]


def cancel(s: Course, reason: str) -> list[msgspec.Struct]:
    _open(s)
    return [
        CourseCancelled(course_id=s.course_id, reason=check_free_text(reason, "reason") if reason else "")
    ]
