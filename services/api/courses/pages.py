"""Digital-skills courses (/t/{slug}/cursussen, desk staff and coordinators): the list, scheduling, and per
course enrolment with a pseudonymous code, withdrawal, attendance per session, completion and cancellation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from application.aggregates import COURSE, QUESTION, load
from application.bus import Bus
from application.questions import id_for_key
from domain import courses as c
from domain import questions as q
from domain.calendar import local_day
from domain.errors import DomainError, IdempotencyConflict, NotFound, WrongExpectedVersion
from domain.ports import Clock
from infra.queries.courses_query import list_courses
from infra.store.db import Database
from services.api.courses.forms import parse_code, parse_date, parse_uuid, schedule_args
from services.api.deps import Locations, picked
from services.api.scope import STAFF, Library
from services.api.web import is_partial, meta, page, see_other

MESSAGES = {
    "gepland": "De cursus is gepland.",
    "enrol": "De deelnemer is ingeschreven.",
    "withdraw": "De deelnemer is uitgeschreven.",
    "attendance": "De aanwezigheid is opgeslagen.",
    "complete": "De cursus is afgerond.",
    "cancel": "De cursus is geannuleerd.",
}
Parse = Callable[[Any, UUID], Any]  # the form and the course: the command


def _new_key() -> str:
    return str(uuid4())


def _status(err: DomainError) -> int:
    return 409 if isinstance(err, (WrongExpectedVersion, IdempotencyConflict)) else 422


def _withdraw(form: Any, course_id: UUID) -> c.Withdraw:
    return c.Withdraw(course_id=course_id, code=parse_code(form.get("code")))


def _attendance(session: int) -> Parse:
    def parse(form: Any, course_id: UUID) -> c.RecordAttendance:
        held_on = parse_date(form.get("datum"), "held_on", "de datum van de bijeenkomst")
        present = sorted({parse_code(x) for x in form.getall("aanwezig", [])})
        return c.RecordAttendance(course_id=course_id, session=session, held_on=held_on, present=present)

    return parse


def _complete(form: Any, course_id: UUID) -> c.CompleteCourse:
    done = sorted({parse_code(x) for x in form.getall("afgerond", [])})
    return c.CompleteCourse(course_id=course_id, completed=done)


def _cancel(form: Any, course_id: UUID) -> c.CancelCourse:
    return c.CancelCourse(course_id=course_id, reason=str(form.get("reden", ""))[:1000])


@dataclass(frozen=True)
class Parts:
    """What the course pages use: the bus (the commands, and a course or question from its events), the
    courses' read model, the library's locations and the clock."""

    bus: Bus
    db: Database
    locations: Locations
    clock: Clock


class CoursesController(Controller):
    path = "/t/{slug:str}/cursussen"
    dependencies = {"lib": STAFF, "parts": picked(Parts)}

    async def _list(
        self, request: Request, lib: Library, parts: Parts, status: int = 200, **extra: Any
    ) -> Template:
        locations = await parts.locations(lib.tenant_id)
        wanted = parse_uuid(request.query_params.get("locatie"))
        location = next((x for x in locations if x.location_id == wanted), None)
        programme = request.query_params.get("programma") or None
        programme = programme if programme in {p.value for p in c.Programme} else None
        loc_id = location.location_id if location else None
        rows = await list_courses(parts.db, lib.tenant_id, location_id=loc_id, programme=programme)
        ctx = {
            "lib": lib,
            "locations": locations,
            "location_names": {x.location_id: x.name for x in locations},
            "rows": rows,
            "filters": {"locatie": str(loc_id or ""), "programma": programme or ""},
            "programmes": c.PROGRAMME_LABELS,
            "today": local_day(parts.clock()),
            "key": _new_key(),
            "error": None,
            "error_form": "schedule",
            "values": {"programma": c.Programme.KLIK_TIK.value, "locatie": str(loc_id or "")},
            **extra,
        }
        return page(request, "courses/page.html.j2", "courses/partials/_list.html.j2", status=status, **ctx)

    @get("/", include_in_schema=False)
    async def courses(self, request: Request, lib: Library, parts: Parts) -> Template:
        return await self._list(request, lib, parts)

    @post("/", include_in_schema=False)
    async def schedule(self, request: Request, lib: Library, parts: Parts) -> Response:
        form = await request.form()
        key = "course:" + (str(form.get("key", ""))[:100] or _new_key())
        course_id = id_for_key(lib.tenant_id, key, "course")
        try:
            cmd = c.ScheduleCourse(course_id=course_id, **schedule_args(form))
            await parts.bus.handle(lib.tenant_id, cmd, meta(request, "courses"), key=key)
        except DomainError as err:
            values = {k: str(v) for k, v in form.items()}
            return await self._list(request, lib, parts, status=_status(err), error=err, values=values)
        return see_other(f"/t/{lib.slug}/cursussen/{course_id}?melding=gepland")

    @get("/inschrijven", include_in_schema=False)
    async def refer(self, request: Request, lib: Library, parts: Parts) -> Template:
        """From a question at the desk: pick an open course; the enrolment remembers the question."""
        question = await self._question(parts, lib, request.query_params.get("vraag"))
        rows = await list_courses(parts.db, lib.tenant_id, status=c.CourseStatus.SCHEDULED.value)
        here = question.what.location_id if question.what else None
        rows = sorted((r for r in rows if r.has_room), key=lambda r: (r.location_id != here, r.start_date))
        locations = await parts.locations(lib.tenant_id)
        return page(
            request,
            "courses/refer.html.j2",
            lib=lib,
            question=question,
            rows=rows,
            location_names={x.location_id: x.name for x in locations},
            new_key=_new_key,
        )

    async def _question(self, parts: Parts, lib: Library, value: Any) -> q.Question:
        """The question a referral comes from. Raises: 404 for one that is not of this library."""
        question_id = parse_uuid(value)
        question = (
            await parts.bus.read(lib.tenant_id, lambda tx: load(tx, QUESTION, question_id))
            if question_id
            else None
        )
        if question is None or question.version == 0:
            raise NotFoundException()
        return question

    async def _course(self, parts: Parts, lib: Library, course_id: UUID, **extra: Any) -> dict[str, Any]:
        s = await parts.bus.read(lib.tenant_id, lambda tx: load(tx, COURSE, course_id))
        if s.version == 0:
            raise NotFoundException()
        locations = await parts.locations(lib.tenant_id)
        new_code = extra.pop("new_code", None)
        return {
            "lib": lib,
            "course": s,
            "programme_label": c.PROGRAMME_LABELS[s.programme],
            "location_name": next((x.name for x in locations if x.location_id == s.location_id), "—"),
            "today": local_day(parts.clock()),
            "new_key": _new_key,
            "new_code": new_code if new_code in s.enrolled else None,
            "error": None,
            "error_form": None,
            "values": {},
            "picked": [],
            "message": None,
            **extra,
        }

    @get("/{course_id:uuid}", include_in_schema=False)
    async def course(self, request: Request, lib: Library, parts: Parts, course_id: UUID) -> Template:
        params = request.query_params
        message = MESSAGES.get(params.get("melding") or "")
        ctx = await self._course(parts, lib, course_id, message=message, new_code=params.get("code"))
        return page(request, "courses/course.html.j2", **ctx)

    @get("/{course_id:uuid}/deelnemer/{code:str}", include_in_schema=False)
    async def participant(
        self, request: Request, lib: Library, parts: Parts, course_id: UUID, code: str
    ) -> Template:
        """A slip to print for the participant: the code, the course and its dates; no name anywhere."""
        ctx = await self._course(parts, lib, course_id)
        if code not in ctx["course"].enrolled:
            raise NotFoundException()
        return page(request, "courses/participant.html.j2", code=code, **ctx)

    async def _answer(
        self,
        request: Request,
        lib: Library,
        parts: Parts,
        course_id: UUID,
        form_name: str,
        code: str | None = None,
    ) -> Response:
        melding = "attendance" if form_name.startswith("session-") else form_name
        if not is_partial(request):
            query = {"melding": melding, **({"code": code} if code else {})}
            return see_other(f"/t/{lib.slug}/cursussen/{course_id}?{urlencode(query)}#course")
        ctx = await self._course(parts, lib, course_id, message=MESSAGES[melding], new_code=code)
        return page(request, "courses/course.html.j2", "courses/partials/_after_write.html.j2", **ctx)

    async def _refused(
        self,
        request: Request,
        lib: Library,
        parts: Parts,
        course_id: UUID,
        err: DomainError,
        form_name: str,
        form: Any,
    ) -> Template:
        values = {k: str(v) for k, v in form.items()}
        picked = [parse_code(x) for x in form.getall("aanwezig", []) + form.getall("afgerond", [])]
        ctx = await self._course(
            parts, lib, course_id, error=err, error_form=form_name, values=values, picked=picked
        )
        partial = "courses/partials/_after_write.html.j2"
        return page(request, "courses/course.html.j2", partial, status=_status(err), **ctx)

    @post("/{course_id:uuid}/inschrijvingen", include_in_schema=False)
    async def enrol(self, request: Request, lib: Library, parts: Parts, course_id: UUID) -> Response:
        form = await request.form()
        question = await self._question(parts, lib, form["vraag"]) if form.get("vraag") else None
        key = "course:" + (str(form.get("key", ""))[:100] or _new_key())
        via = question.question_id if question else None
        try:
            cmd = c.Enrol(course_id=course_id, via_question_id=via)
            outcome = await parts.bus.handle(lib.tenant_id, cmd, meta(request, "courses"), key=key)
        except NotFound:
            raise
        except DomainError as err:
            return await self._refused(request, lib, parts, course_id, err, "enrol", form)
        return await self._answer(request, lib, parts, course_id, "enrol", outcome.body["code"])

    async def _run(
        self, request: Request, lib: Library, parts: Parts, course_id: UUID, form_name: str, parse: Parse
    ) -> Response:
        """Parse, decide and append once per form key; a refusal re-renders the course with the message (422)
        and appends nothing."""
        form = await request.form()
        key = "course:" + (str(form.get("key", ""))[:100] or _new_key())
        try:
            cmd = parse(form, course_id)
            await parts.bus.handle(lib.tenant_id, cmd, meta(request, "courses"), key=key)
        except NotFound:
            raise
        except DomainError as err:
            return await self._refused(request, lib, parts, course_id, err, form_name, form)
        return await self._answer(request, lib, parts, course_id, form_name)

    @post("/{course_id:uuid}/uitschrijvingen", include_in_schema=False)
    async def withdraw(self, request: Request, lib: Library, parts: Parts, course_id: UUID) -> Response:
        return await self._run(request, lib, parts, course_id, "withdraw", _withdraw)

    @post("/{course_id:uuid}/bijeenkomsten/{session:int}", include_in_schema=False)
    async def attendance(
        self, request: Request, lib: Library, parts: Parts, course_id: UUID, session: int
    ) -> Response:
        return await self._run(request, lib, parts, course_id, f"session-{session}", _attendance(session))

    @post("/{course_id:uuid}/afronden", include_in_schema=False)
    async def complete(self, request: Request, lib: Library, parts: Parts, course_id: UUID) -> Response:
        return await self._run(request, lib, parts, course_id, "complete", _complete)

    @post("/{course_id:uuid}/annuleren", include_in_schema=False)
    async def cancel(self, request: Request, lib: Library, parts: Parts, course_id: UUID) -> Response:
        return await self._run(request, lib, parts, course_id, "cancel", _cancel)
