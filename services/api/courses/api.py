"""JSON API /api/v1/t/{slug}/courses: schedule, list and read courses; enrol, withdraw, attendance, completion
and cancellation. Every POST runs once per Idempotency-Key; errors are problem+json."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, QueryParameter

from application.aggregates import COURSE, load
from application.bus import Bus
from application.questions import id_for_key
from domain import courses as c
from domain.errors import DomainError
from domain.ports import Outcome
from infra.queries.courses_query import list_courses
from infra.store.db import Database
from services.api.desk.api import IdempotencyKey, json_only
from services.api.errors import problem_responses
from services.api.scope import STAFF, Library
from services.api.web import meta

Key = IdempotencyKey
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
BASE = "/api/v1/t/{slug:str}/courses"
# What a command (POST) and a read (GET) may refuse with, as problem+json
COMMAND = {
    "guards": [json_only],
    "dependencies": {"lib": STAFF},
    "responses": problem_responses(400, 401, 404, 409, 413, 415, 422, 503),
}
CHANGE = {**COMMAND, "status_code": 200}  # a command that changes a course (not one that creates something)
READ = {"dependencies": {"lib": STAFF}, "responses": problem_responses(400, 401, 404, 503)}


class CourseIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    programme: Annotated[str, msgspec.Meta(max_length=40)]
    title: Annotated[str, msgspec.Meta(max_length=500)] = ""
    location_id: UUID
    start_date: date
    sessions: int
    capacity: int


class EnrolmentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    via_question_id: UUID | None = None


class WithdrawalIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: Code


class AttendanceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    held_on: date
    present: Annotated[list[Code], msgspec.Meta(max_length=c.MAX_CAPACITY)]


class CompletionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    completed: Annotated[list[Code], msgspec.Meta(max_length=c.MAX_CAPACITY)]


class CancellationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class CourseRef(msgspec.Struct):
    course_id: UUID


class Enrolled(msgspec.Struct):
    course_id: UUID
    code: str


class CourseOut(msgspec.Struct):
    course_id: UUID
    programme: str
    title: str
    location_id: UUID
    start_date: date
    sessions: int
    capacity: int
    status: str
    enrolled: int
    withdrawn: int
    cursisten: int
    completed: int
    via_desk: int
    cursisten_via_desk: int
    last_session_on: date | None


class SessionOut(msgspec.Struct):
    session: int
    held_on: date
    present: list[str]


class CourseDetail(msgspec.Struct):
    course_id: UUID
    programme: str
    title: str
    location_id: UUID
    start_date: date
    sessions: int
    capacity: int
    status: str
    enrolled: list[str]
    withdrawn: list[str]
    cursisten: list[str]
    completed: list[str]
    via_desk: list[str]
    attendance: list[SessionOut]


def _answer(outcome: Outcome, shape: type) -> Response:
    return Response(
        msgspec.convert(outcome.body, shape),
        status_code=outcome.status,
        headers={"Idempotent-Replayed": "true"} if outcome.replayed else None,
    )


async def _run(
    request: Request, lib: Library, bus: Bus, key: str, command: Any, shape: type = CourseRef
) -> Response:
    return _answer(await bus.handle(lib.tenant_id, command, meta(request, "api"), key="api:" + key), shape)


@post(BASE, tags=["cursussen"], summary="Schedule a course", **COMMAND)
async def schedule_course(
    request: Request, lib: Library, data: JSONBody[CourseIn], idempotency_key: Key, bus: Bus
) -> Response[CourseRef]:
    """The same Idempotency-Key with the same body answers as the first time; with another body: 409."""
    try:
        programme = c.Programme(data.programme)
    except ValueError:
        raise DomainError("Onbekend programma.", field="programme") from None
    course_id = id_for_key(lib.tenant_id, "api:" + idempotency_key, "course")
    args = msgspec.structs.asdict(data) | {"programme": programme}
    cmd = c.ScheduleCourse(course_id=course_id, **args)
    return await _run(request, lib, bus, idempotency_key, cmd)


@get(BASE, tags=["cursussen"], summary="Courses, from the read model (newest start first)", **READ)
async def courses_list(
    lib: Library,
    location_id: Annotated[UUID | None, QueryParameter()] = None,
    programme: Annotated[c.Programme | None, QueryParameter()] = None,
    status: Annotated[c.CourseStatus | None, QueryParameter()] = None,
    *,
    db: Database,
) -> list[CourseOut]:
    rows = await list_courses(
        db,
        lib.tenant_id,
        location_id=location_id,
        programme=programme.value if programme else None,
        status=status.value if status else None,
    )
    return [CourseOut(**dataclasses.asdict(r)) for r in rows]


@get(BASE + "/{course_id:uuid}", tags=["cursussen"], summary="One course, from its events", **READ)
async def course_detail(lib: Library, course_id: UUID, bus: Bus) -> CourseDetail:
    s = await bus.read(lib.tenant_id, lambda tx: load(tx, COURSE, course_id))
    if s.version == 0 or s.location_id is None or s.start_date is None:
        raise NotFoundException()
    return CourseDetail(
        course_id=s.course_id,
        programme=s.programme.value,
        title=s.title,
        location_id=s.location_id,
        start_date=s.start_date,
        sessions=s.sessions,
        capacity=s.capacity,
        status=s.status.value,
        enrolled=list(s.enrolled),
        withdrawn=list(s.withdrawn),
        cursisten=sorted(s.attended),
        completed=list(s.completed),
        via_desk=sorted(s.via_desk),
        attendance=[SessionOut(n, on, list(present)) for n, (on, present) in sorted(s.attendance.items())],
    )


@post(BASE + "/{course_id:uuid}/enrolments", tags=["cursussen"], summary="Enrol a participant", **COMMAND)
async def enrol(
    request: Request,
    lib: Library,
    course_id: UUID,
    data: JSONBody[EnrolmentIn],
    idempotency_key: Key,
    bus: Bus,
) -> Response[Enrolled]:
    """Answers the participant's pseudonymous code; a repeated request answers the same code."""
    cmd = c.Enrol(course_id=course_id, via_question_id=data.via_question_id)
    return await _run(request, lib, bus, idempotency_key, cmd, Enrolled)


@post(BASE + "/{course_id:uuid}/withdrawals", tags=["cursussen"], summary="Withdraw a participant", **CHANGE)
async def withdraw(
    request: Request,
    lib: Library,
    course_id: UUID,
    data: JSONBody[WithdrawalIn],
    idempotency_key: Key,
    bus: Bus,
) -> Response[CourseRef]:
    cmd = c.Withdraw(course_id=course_id, code=data.code)
    return await _run(request, lib, bus, idempotency_key, cmd)


@post(
    BASE + "/{course_id:uuid}/sessions/{session:int}/attendance",
    tags=["cursussen"],
    summary="Record who was present at a session",
    **CHANGE,
)
async def attendance(
    request: Request,
    lib: Library,
    course_id: UUID,
    session: int,
    data: JSONBody[AttendanceIn],
    idempotency_key: Key,
    bus: Bus,
) -> Response[CourseRef]:
    cmd = c.RecordAttendance(course_id=course_id, session=session, held_on=data.held_on, present=data.present)
    return await _run(request, lib, bus, idempotency_key, cmd)


@post(BASE + "/{course_id:uuid}/completion", tags=["cursussen"], summary="Complete the course", **CHANGE)
async def completion(
    request: Request,
    lib: Library,
    course_id: UUID,
    data: JSONBody[CompletionIn],
    idempotency_key: Key,
    bus: Bus,
) -> Response[CourseRef]:
    cmd = c.CompleteCourse(course_id=course_id, completed=data.completed)
    return await _run(request, lib, bus, idempotency_key, cmd)


@post(BASE + "/{course_id:uuid}/cancellation", tags=["cursussen"], summary="Cancel the course", **CHANGE)
async def cancellation(
    request: Request,
    lib: Library,
    course_id: UUID,
    data: JSONBody[CancellationIn],
    idempotency_key: Key,
    bus: Bus,
) -> Response[CourseRef]:
    cmd = c.CancelCourse(course_id=course_id, reason=data.reason)
    return await _run(request, lib, bus, idempotency_key, cmd)


ROUTES = [schedule_course, courses_list, course_detail, enrol, withdraw, attendance, completion, cancellation]
