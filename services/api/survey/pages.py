"""The survey's settings (coordinator, /t/{slug}/enquete): the questions of the library's survey, chosen from
the national set, and a short link with a printable QR code per IDO location and per course."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import segno
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from application.aggregates import SURVEY, load
from application.bus import Bus
from domain import survey as s
from domain import survey_data
from domain.calendar import local_day
from domain.courses import CourseStatus
from domain.errors import DomainError, NotFound
from domain.ports import Clock
from infra.queries.courses_query import CourseRow, list_courses
from infra.settings import Settings
from infra.store.db import Database
from services.api.deps import Locations, picked
from services.api.scope import COORDINATOR, Library
from services.api.web import is_partial, meta, page, see_other

QR_FILE = "qr.svg"
RECENT_COURSES = timedelta(
    days=183
)  # courses that started longer ago get no new link (their open links stay)
MESSAGES = {
    "vragen": "De vragen van de enquête zijn opgeslagen.",
    "link": "De link is gemaakt. Druk de QR-code af of deel de link.",
    "ingetrokken": "De link is ingetrokken: de enquête is daar niet meer in te vullen.",
}


@dataclass(frozen=True)
class Parts:
    bus: Bus
    db: Database
    clock: Clock
    settings: Settings
    locations: Locations


def short_url(settings: Settings, slug: str, link: str) -> str:
    return f"{settings.base_url.rstrip('/')}/e/{slug}/{link}"


def new_link() -> str:
    return "".join(secrets.choice(s.LINK_ALPHABET) for _ in range(s.LINK_LENGTH))


def qr_svg(url: str, title: str, *, file: bool = False) -> str:
    """The QR code as SVG (segno; error correction M: it survives a crease in a printed poster). In a page it
    scales with its box (a viewBox, no size) and is an image named by its title; as a file it is 10 px a module."""
    out = io.BytesIO()
    options: dict[str, Any] = {"scale": 10} if file else {"scale": 1, "omitsize": True}
    segno.make(url, error="m").save(
        out, kind="svg", border=4, light="#fff", xmldecl=file, svgns=True, title=title, **options
    )
    svg = out.getvalue().decode()
    return svg if file else svg.replace("<svg ", '<svg role="img" ', 1)


class SurveyController(Controller):
    path = "/t/{slug:str}/enquete"
    dependencies = {"lib": COORDINATOR, "parts": picked(Parts)}

    async def _survey(self, p: Parts, lib: Library) -> s.Survey:
        return await p.bus.read(lib.tenant_id, lambda tx: load(tx, SURVEY, s.survey_id_of(lib.tenant_id)))

    async def _context(self, p: Parts, lib: Library, **extra: Any) -> dict[str, Any]:
        state = await self._survey(p, lib)
        today = local_day(p.clock())
        locations = await p.locations(lib.tenant_id)
        courses = [c for c in await list_courses(p.db, lib.tenant_id) if _listed(c, state, today)]
        return {
            "lib": lib,
            "state": state,
            "question_set": s.CURRENT,
            "chosen": state.questions if state.chosen else s.CURRENT.defaults(),
            "max_chosen": survey_data.MAX_CHOSEN,
            "audiences": {
                survey_data.DESK: "balie",
                survey_data.COURSE: "cursus",
                survey_data.BOTH: "balie en cursus",
            },
            "places": [(x.name, x.location_id, state.link_for(x.location_id, None)) for x in locations],
            "courses": [(c, state.link_for(c.location_id, c.course_id)) for c in courses],
            "error": None,
            "message": None,
            **extra,
        }

    async def _page(
        self, request: Request, p: Parts, lib: Library, status: int = 200, **extra: Any
    ) -> Template:
        ctx = await self._context(p, lib, **extra)
        return page(request, "survey/page.html.j2", "survey/partials/_settings.html.j2", status=status, **ctx)

    @get("/", include_in_schema=False)
    async def settings_page(self, request: Request, lib: Library, parts: Parts) -> Template:
        return await self._page(
            request, parts, lib, message=MESSAGES.get(request.query_params.get("melding", ""))
        )

    async def _run(self, request: Request, p: Parts, lib: Library, cmd: Any, done: str) -> Response:
        try:
            await p.bus.handle(lib.tenant_id, cmd, meta(request, "survey-settings"))
        except NotFound:
            raise
        except DomainError as err:
            return await self._page(request, p, lib, status=422, error=err)
        if is_partial(request):
            return await self._page(request, p, lib, message=MESSAGES[done])
        return see_other(f"/t/{lib.slug}/enquete?melding={done}")

    @post("/vragen", include_in_schema=False)
    async def choose(self, request: Request, lib: Library, parts: Parts) -> Response:
        form = await request.form()
        cmd = s.ChooseSurveyQuestions(
            survey_id=s.survey_id_of(lib.tenant_id), questions=tuple(str(v) for v in form.getall("vraag", []))
        )
        return await self._run(request, parts, lib, cmd, "vragen")

    @post("/links", include_in_schema=False)
    async def open_link(self, request: Request, lib: Library, parts: Parts) -> Response:
        form = await request.form()
        cmd = s.OpenSurveyLink(
            survey_id=s.survey_id_of(lib.tenant_id),
            link=new_link(),
            location_id=_uuid(form.get("locatie")),
            course_id=_uuid(form.get("cursus")),
        )
        return await self._run(request, parts, lib, cmd, "link")

    @post("/links/{link:str}/intrekken", include_in_schema=False)
    async def close_link(self, request: Request, lib: Library, parts: Parts, link: str) -> Response:
        cmd = s.CloseSurveyLink(survey_id=s.survey_id_of(lib.tenant_id), link=link)
        return await self._run(request, parts, lib, cmd, "ingetrokken")

    async def _open(self, p: Parts, lib: Library, link: str) -> tuple[s.Link, str]:
        """The open link and where it is for. Raises: NotFound."""
        found = (await self._survey(p, lib)).open_link(link)
        if found.course_id is None:
            names = {x.location_id: x.name for x in await p.locations(lib.tenant_id)}
            return found, names.get(found.location_id, "IDO")
        course = next(
            (c for c in await list_courses(p.db, lib.tenant_id) if c.course_id == found.course_id), None
        )
        return found, (f"{course.programme_label}: {course.title}" if course else "Cursus")

    @get("/links/{link:str}", include_in_schema=False)
    async def print_page(self, request: Request, lib: Library, parts: Parts, link: str) -> Template:
        found, place = await self._open(parts, lib, link)
        url = short_url(parts.settings, lib.slug, found.link)
        title = f"QR-code van de enquête: {url}"
        return page(
            request, "survey/print.html.j2", lib=lib, link=found, place=place, url=url, qr=qr_svg(url, title)
        )

    @get("/links/{link:str}/{filename:str}", include_in_schema=False)
    async def qr_file(self, lib: Library, parts: Parts, link: str, filename: str) -> Response:
        """The QR code as an SVG file (`filename` qr.svg), for a poster or a course's handout."""
        if filename != QR_FILE:
            raise NotFoundException()
        found, _ = await self._open(parts, lib, link)
        url = short_url(parts.settings, lib.slug, found.link)
        return Response(
            qr_svg(url, f"QR-code van de enquête: {url}", file=True),
            media_type="image/svg+xml",
            headers={"Content-Disposition": f'attachment; filename="enquete-{lib.slug}-{found.link}.svg"'},
        )


def _listed(c: CourseRow, state: s.Survey, today: date) -> bool:
    """Courses that may get a link: not cancelled and started at most half a year ago, or with an open link."""
    if state.link_for(c.location_id, c.course_id) is not None:
        return True
    return c.status != CourseStatus.CANCELLED.value and c.start_date >= today - RECENT_COURSES


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None
