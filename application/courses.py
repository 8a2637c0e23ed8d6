"""Courses: schedule, enrol (a pseudonymous participant code is made here), withdraw, attendance, complete,
cancel. Participants are codes; no name is ever stored."""

from __future__ import annotations

import secrets
from typing import Any

from application.aggregates import COURSE, QUESTION, change, execute, existing, load
from domain import courses as c
from domain.calendar import local_day
from domain.errors import DomainError, NotFound, WrongExpectedVersion
from domain.ports import Transaction


def new_code(programme: c.Programme) -> str:
    """Like 'KT-7F3K': a prefix per programme and four random characters, unique within a course."""
    prefix = {"klik_tik": "KT", "digisterker": "DS", "digid_cursus": "DD", "werken_e_overheid": "EO"}.get(
        programme.value, "EC"
    )
    return prefix + "-" + "".join(secrets.choice(c.CODE_ALPHABET) for _ in range(4))


def _ref(state: c.Course) -> dict[str, Any]:
    return {"course_id": str(state.course_id)}


async def schedule(cmd: c.ScheduleCourse, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    state = await load(tx, COURSE, cmd.course_id)
    if state.version:
        raise WrongExpectedVersion(COURSE.stream(cmd.course_id), 0, state.version)
    events = c.schedule(
        cmd.course_id,
        programme=cmd.programme,
        title=cmd.title,
        location_id=cmd.location_id,
        locations=set(await tx.locations()),
        start_date=cmd.start_date,
        sessions=cmd.sessions,
        capacity=cmd.capacity,
        today=local_day(tx.now()),
    )
    return _ref(await change(tx, COURSE, state, cmd.course_id, events, meta))


async def enrol(cmd: c.Enrol, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """Raises: NotFound for an unknown course; DomainError for a question that is not of this library."""
    state = await existing(tx, COURSE, cmd.course_id)
    if cmd.via_question_id is not None:
        try:
            await existing(tx, QUESTION, cmd.via_question_id)
        except NotFound:
            raise DomainError(
                "Deze vraag bestaat niet in deze bibliotheek.", field="via_question_id"
            ) from None
    code = new_code(state.programme)
    while code in state.enrolled or code in state.withdrawn:
        code = new_code(state.programme)
    await change(tx, COURSE, state, cmd.course_id, c.enrol(state, code, cmd.via_question_id), meta)
    return {"course_id": str(cmd.course_id), "code": code}


async def withdraw(cmd: c.Withdraw, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    return _ref(await execute(tx, COURSE, cmd.course_id, lambda s: c.withdraw(s, cmd.code), meta))


async def record_attendance(cmd: c.RecordAttendance, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    decide = lambda s: c.record_attendance(s, cmd.session, cmd.held_on, list(cmd.present))  # noqa: E731
    return _ref(await execute(tx, COURSE, cmd.course_id, decide, meta))


async def complete(cmd: c.CompleteCourse, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    return _ref(await execute(tx, COURSE, cmd.course_id, lambda s: c.complete(s, list(cmd.completed)), meta))


async def cancel(cmd: c.CancelCourse, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    return _ref(await execute(tx, COURSE, cmd.course_id, lambda s: c.cancel(s, cmd.reason), meta))


HANDLERS = {
    c.ScheduleCourse: (schedule, 201),
    c.Enrol: (enrol, 201),
    c.Withdraw: (withdraw, 200),
    c.RecordAttendance: (record_attendance, 200),
    c.CompleteCourse: (complete, 200),
    c.CancelCourse: (cancel, 200),
}
