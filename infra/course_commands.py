"""Course commands once per idempotency key, for the course pages and the JSON API alike: the key, the append
and the stored answer commit together, and the workers are woken after the commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import courses as c
from infra.course_service import CourseService
from infra.idempotency import Action, Outcome, run_once

Decide = Callable[[c.Course], list[msgspec.Struct]]


async def _once(courses: CourseService, tenant_id: UUID, key: str, payload: Any, action: Action) -> Outcome:
    outcome = await run_once(courses.store.db, tenant_id, key, payload, action)
    if not outcome.replayed:
        await courses.waker.wake(tenant_id)
    return outcome


async def execute_once(
    courses: CourseService,
    tenant_id: UUID,
    key: str,
    payload: Any,
    course_id: UUID,
    decide: Decide,
    meta: dict[str, Any],
    status: int = 200,
) -> Outcome:
    """Raises: DomainError from `decide` (nothing stored, the key stays free), IdempotencyConflict,
    WrongExpectedVersion when another writer was first."""

    async def action(conn: AsyncConnection) -> tuple[int, dict[str, Any]]:
        await courses.execute(tenant_id, course_id, decide, meta, conn=conn)
        return status, {"course_id": str(course_id)}

    return await _once(courses, tenant_id, key, payload, action)


async def enrol_once(
    courses: CourseService,
    tenant_id: UUID,
    key: str,
    course_id: UUID,
    via_question_id: UUID | None,
    meta: dict[str, Any],
) -> Outcome:
    """A repeated request answers the code made the first time, and enrols nobody twice."""

    async def action(conn: AsyncConnection) -> tuple[int, dict[str, Any]]:
        _, code = await courses.enrol(tenant_id, course_id, via_question_id, meta, conn=conn)
        return 201, {"course_id": str(course_id), "code": code}

    payload = ("enrol", course_id, via_question_id)
    return await _once(courses, tenant_id, key, payload, action)
