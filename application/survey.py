"""The visitor survey: the library chooses its questions and opens short links per location and per course; a
visitor's answers are one stream each. A retried answer (the same form token, hence the same key and id) stores
nothing twice."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, uuid5

import msgspec

from application.aggregates import COURSE, SURVEY, change, existing, load
from domain import survey as s
from domain.calendar import local_day
from domain.errors import IdempotencyConflict, NotFound, WrongExpectedVersion
from domain.ports import NewEvent, Transaction


async def choose(cmd: s.ChooseSurveyQuestions, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    state = await load(tx, SURVEY, cmd.survey_id)
    state = await change(tx, SURVEY, state, cmd.survey_id, s.choose(state, cmd), meta)
    return {"survey_id": str(cmd.survey_id), "questions": list(state.questions)}


async def open_link(cmd: s.OpenSurveyLink, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """The link of a location of the library, or of a course of the library (at the course's location).
    Raises: NotFound for a location or course that is not the library's."""
    if cmd.course_id is not None:
        course = await existing(tx, COURSE, cmd.course_id)
        cmd = msgspec.structs.replace(cmd, location_id=course.location_id)
    elif cmd.location_id is not None and cmd.location_id not in await tx.locations():
        raise NotFound("Deze IDO-locatie bestaat niet.")
    state = await load(tx, SURVEY, cmd.survey_id)
    state = await change(tx, SURVEY, state, cmd.survey_id, s.open_link(state, cmd), meta)
    link = state.link_for(cmd.location_id, cmd.course_id)
    assert link is not None
    return {"link": link.link}


async def close_link(cmd: s.CloseSurveyLink, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    state = await load(tx, SURVEY, cmd.survey_id)
    await change(tx, SURVEY, state, cmd.survey_id, s.close_link(state, cmd), meta)
    return {"link": cmd.link}


async def answer(cmd: s.AnswerSurvey, tx: Transaction, meta: dict[str, Any]) -> dict[str, Any]:
    """Raises: NotFound for a survey or link that is not open; DomainError for answers that do not fit."""
    state = await load(tx, SURVEY, cmd.survey_id)
    events = s.answer(state, cmd, local_day(tx.now()))
    stream = s.response_stream_id(cmd.response_id)
    ids = [uuid5(NAMESPACE_URL, f"ido:{cmd.response_id}:event-{i}") for i in range(len(events))]
    try:
        await tx.append(stream, [NewEvent(i, e, meta) for i, e in zip(ids, events, strict=True)], 0)
    except WrongExpectedVersion:
        if [r.event for r in await tx.read_stream(stream)] != events:
            raise IdempotencyConflict(cmd.response_id) from None
    return {"response_id": str(cmd.response_id)}


HANDLERS = {
    s.ChooseSurveyQuestions: (choose, 200),
    s.OpenSurveyLink: (open_link, 201),
    s.CloseSurveyLink: (close_link, 200),
    s.AnswerSurvey: (answer, 201),
}
