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

from domain import courses as c
from domain.calendar import local_day
from domain.errors import DomainError
from infra.course_commands import Decide, enrol_once, execute_once
from infra.courses_query import list_courses
from infra.desk import id_for_key
from infra.idempotency import Outcome
from services.api.api_v1 import IdempotencyKey, _tenant, json_only
from services.api.errors import problem_responses
from services.api.web import meta

Key = IdempotencyKey
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
BASE = "/api/v1/t/{slug:str}/courses"
# What a command (POST) and a read (GET) may refuse with, as problem+json
COMMAND = {"guards": [json_only], "responses": problem_responses(400, 401, 404, 409, 413, 415, 422, 503)}
CHANGE = {**COMMAND, "status_code": 200}  # a command that changes a course (not one that creates something)
READ = {"responses": problem_responses(400, 401, 404, 503)}


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
    request: Request, slug: str, course_id: UUID, key: str, payload: Any, decide: Decide
) -> Response:
    tenant = await _tenant(request, slug)
    courses = request.app.state.services.courses
    if (await courses.load(tenant.tenant_id, course_id)).version == 0:
        raise NotFoundException()
    outcome = await execute_once(
        courses, tenant.tenant_id, "api:" + key, payload, course_id, decide, meta(request, "api")
    )
    return _answer(outcome, CourseRef)


@post(BASE, tags=["cursussen"], summary="Schedule a course", **COMMAND)
async def schedule_course(
    request: Request, slug: str, data: JSONBody[CourseIn], idempotency_key: Key
) -> Response[CourseRef]:
    """The same Idempotency-Key with the same body answers as the first time; with another body: 409."""
    tenant = await _tenant(request, slug)
    svc = request.app.state.services
    try:
        programme = c.Programme(data.programme)
    except ValueError:
        raise DomainError("Onbekend programma.", field="programme") from None
    course_id = id_for_key(tenant.tenant_id, "api:" + idempotency_key, "course")
    locations = {x.location_id for x in await svc.locations(tenant.tenant_id)}
    today = local_day(svc.clock())
    args = msgspec.structs.asdict(data) | {"programme": programme}
    outcome = await execute_once(
        svc.courses,
        tenant.tenant_id,
        "api:" + idempotency_key,
        ("schedule", data),
        course_id,
        lambda s: c.schedule(course_id, locations=locations, today=today, **args),
        meta(request, "api"),
        status=201,
    )
    return _answer(outcome, CourseRef)


@get(BASE, tags=["cursussen"], summary="Courses, from the read model (newest start first)", **READ)
async def courses_list(
    request: Request,
    slug: str,
    location_id: Annotated[UUID | None, QueryParameter()] = None,
    programme: Annotated[c.Programme | None, QueryParameter()] = None,
    status: Annotated[c.CourseStatus | None, QueryParameter()] = None,
) -> list[CourseOut]:
    tenant = await _tenant(request, slug)
    db = request.app.state.services.container.db
    rows = await list_courses(
        db,
        tenant.tenant_id,
        location_id=location_id,
        programme=programme.value if programme else None,
        status=status.value if status else None,
    )
    return [CourseOut(**dataclasses.asdict(r)) for r in rows]


@get(BASE + "/{course_id:uuid}", tags=["cursussen"], summary="One course, from its events", **READ)
async def course_detail(request: Request, slug: str, course_id: UUID) -> CourseDetail:
    tenant = await _tenant(request, slug)
    s = await request.app.state.services.courses.load(tenant.tenant_id, course_id)
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
    request: Request, slug: str, course_id: UUID, data: JSONBody[EnrolmentIn], idempotency_key: Key
) -> Response[Enrolled]:
    """Answers the participant's pseudonymous code; a repeated request answers the same code."""
    tenant = await _tenant(request, slug)
    svc = request.app.state.services
    if (await svc.courses.load(tenant.tenant_id, course_id)).version == 0:
        raise NotFoundException()
    via = data.via_question_id
    if via is not None and (await svc.desk.load(tenant.tenant_id, via)).version == 0:
        raise DomainError("Deze vraag bestaat niet in deze bibliotheek.", field="via_question_id")
    key = "api:" + idempotency_key
    outcome = await enrol_once(svc.courses, tenant.tenant_id, key, course_id, via, meta(request, "api"))
    return _answer(outcome, Enrolled)


@post(BASE + "/{course_id:uuid}/withdrawals", tags=["cursussen"], summary="Withdraw a participant", **CHANGE)
async def withdraw(
    request: Request, slug: str, course_id: UUID, data: JSONBody[WithdrawalIn], idempotency_key: Key
) -> Response[CourseRef]:
    payload = ("withdraw", course_id, data)
    return await _run(request, slug, course_id, idempotency_key, payload, lambda s: c.withdraw(s, data.code))


@post(
    BASE + "/{course_id:uuid}/sessions/{session:int}/attendance",
    tags=["cursussen"],
    summary="Record who was present at a session",
    **CHANGE,
)
async def attendance(
    request: Request,
    slug: str,
    course_id: UUID,
    session: int,
    data: JSONBody[AttendanceIn],
    idempotency_key: Key,
) -> Response[CourseRef]:
    payload = ("attendance", course_id, session, data)
    decide: Decide = lambda s: c.record_attendance(s, session, data.held_on, data.present)  # noqa: E731
    return await _run(request, slug, course_id, idempotency_key, payload, decide)


@post(BASE + "/{course_id:uuid}/completion", tags=["cursussen"], summary="Complete the course", **CHANGE)
async def completion(
    request: Request, slug: str, course_id: UUID, data: JSONBody[CompletionIn], idempotency_key: Key
) -> Response[CourseRef]:
    payload = ("complete", course_id, data)
    return await _run(
        request, slug, course_id, idempotency_key, payload, lambda s: c.complete(s, data.completed)
    )


@post(BASE + "/{course_id:uuid}/cancellation", tags=["cursussen"], summary="Cancel the course", **CHANGE)
async def cancellation(
    request: Request, slug: str, course_id: UUID, data: JSONBody[CancellationIn], idempotency_key: Key
) -> Response[CourseRef]:
    payload = ("cancel", course_id, data)
    return await _run(request, slug, course_id, idempotency_key, payload, lambda s: c.cancel(s, data.reason))


ROUTES = [schedule_course, courses_list, course_detail, enrol, withdraw, attendance, completion, cancellation]
