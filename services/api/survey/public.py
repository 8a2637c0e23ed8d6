"""The public survey page (/e/{slug}/{link}): no login, no personal data. A visitor on a phone answers a few
closed questions; the answers go through the bus as one event of the library. Walls against scripted floods: a
rate limit per address (Redis), a signed form token that works once and only today, and the device's cookie
that says this link's survey was filled in here today (services/api/survey/guard.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Response, Template

from application.aggregates import COURSE, SURVEY, load
from application.bus import Bus
from application.questions import id_for_key
from domain import survey as s
from domain.calendar import at_local, local, local_day
from domain.courses import PROGRAMME_LABELS
from domain.errors import DomainError, NotFound
from domain.ports import Clock
from infra.platform.accounts import Accounts, Tenant
from infra.platform.survey_throttle import SurveyThrottle
from infra.settings import Settings
from services.api.deps import Locations, picked
from services.api.survey import guard
from services.api.web import see_other

VIEWS = s.SurveyLimits(per_window=120, per_day=1000)  # page views per address: looser than answers
ANSWERS = s.SurveyLimits()
THANKS = "bedankt"


@dataclass(frozen=True)
class Parts:
    bus: Bus
    accounts: Accounts
    clock: Clock
    settings: Settings
    survey_throttle: SurveyThrottle
    locations: Locations


@dataclass(frozen=True)
class Public:
    """What one link shows: whose survey, where, and its questions."""

    tenant: Tenant
    link: s.Link
    place: str
    questions: tuple[s.Question, ...]

    @property
    def for_course(self) -> bool:
        return self.link.source is s.Source.COURSE


async def _public(p: Parts, slug: str, link: str) -> Public:
    """Raises: NotFound (the survey's own 404 page) for a library, survey or link that is not there or not open."""
    try:
        tenant = await p.accounts.tenant_by_slug(slug)
    except NotFound:
        raise NotFound(s.MISSING) from None
    if not tenant.active:
        raise NotFound(s.MISSING)
    state = await p.bus.read(tenant.tenant_id, lambda tx: load(tx, SURVEY, s.survey_id_of(tenant.tenant_id)))
    found = state.open_link(link)
    if found.course_id is not None:
        course = await p.bus.read(tenant.tenant_id, lambda tx: load(tx, COURSE, found.course_id))
        place = f"{PROGRAMME_LABELS.get(course.programme, course.title)}: {course.title}"
    else:
        names = {x.location_id: x.name for x in await p.locations(tenant.tenant_id)}
        place = names.get(found.location_id, "")
    return Public(tenant, found, place, state.asked(found.source))


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _until_midnight(now: datetime) -> int:
    """Seconds until the end of today (Dutch time): the device's cookie lasts the day."""
    tomorrow = at_local(local_day(now) + timedelta(days=1))
    return max(60, int((tomorrow - now).total_seconds()))


class PublicSurveyController(Controller):
    path = "/e/{slug:str}/{link:str}"
    dependencies = {"parts": picked(Parts)}

    def _page(
        self, request: Request, p: Parts, slug: str, survey: Public, status: int = 200, **extra: Any
    ) -> Template:
        today = local_day(p.clock())
        ctx = {
            "slug": slug,
            "survey": survey,
            "token": guard.form_token(p.settings.secret_key, slug, survey.link.link, today),
            "values": {},
            "error": None,
            "done": None,
            **extra,
        }
        return Template("survey/public.html.j2", context={"who": None, **ctx}, status_code=status)

    async def _guarded(
        self, request: Request, p: Parts, what: str, limits: s.SurveyLimits
    ) -> Response | None:
        now = p.clock()
        retry = await p.survey_throttle.reserve(what, _address(request), now, limits)
        if retry is None:
            return None
        wait = max(1, int((retry - now).total_seconds()))
        return Template(
            "survey/message.html.j2",
            context={
                "who": None,
                "title": "Even wachten",
                "text": "Vanaf dit netwerk zijn net veel enquêtes verstuurd. "
                f"Probeer het na {local(retry):%H:%M} uur opnieuw.",
            },
            status_code=429,
            headers={"Retry-After": str(wait)},
        )

    @get("/", include_in_schema=False)
    async def form(self, request: Request, slug: str, link: str, parts: Parts) -> Response:
        if link != link.upper():
            return see_other(f"/e/{slug}/{link.upper()}")
        if refused := await self._guarded(request, parts, "view", VIEWS):
            return refused
        survey = await self._found(parts, slug, link)
        if isinstance(survey, Response):
            return survey
        today = local_day(parts.clock())
        if guard.answered_today(
            parts.settings.secret_key, request.cookies.get(guard.COOKIE), slug, link, today
        ):
            return self._page(
                request, parts, slug, survey, done="bedankt" if request.query_params.get(THANKS) else "al"
            )
        return self._page(request, parts, slug, survey)

    @post("/", include_in_schema=False)
    async def send(self, request: Request, slug: str, link: str, parts: Parts) -> Response:
        if refused := await self._guarded(request, parts, "answer", ANSWERS):
            return refused
        survey = await self._found(parts, slug, link)
        if isinstance(survey, Response):
            return survey
        secret, today = parts.settings.secret_key, local_day(parts.clock())
        if guard.answered_today(secret, request.cookies.get(guard.COOKIE), slug, link, today):
            return self._page(request, parts, slug, survey, status=409, done="al")
        form = dict(await request.form())
        values = {q.code: str(form.get(q.code, ""))[:40] for q in survey.questions}
        try:
            nonce = guard.check_form_token(secret, str(form.get("token", "")), slug, link, today)
            tenant_id = survey.tenant.tenant_id
            cmd = s.AnswerSurvey(
                response_id=id_for_key(tenant_id, nonce, "survey-response"),
                survey_id=s.survey_id_of(tenant_id),
                link=link,
                answers=tuple(values.items()),
            )
            # no actor: not even a signed-in colleague is linked to an answer
            meta = {"actor": None, "request_id": request.scope.get("ido_request_id"), "via": "survey"}
            await parts.bus.handle(tenant_id, cmd, meta, key=f"survey:{nonce}")
        except NotFound:
            raise
        except DomainError as err:
            return self._page(request, parts, slug, survey, status=422, error=err, values=values)
        response = Redirect(f"/e/{slug}/{link}?{THANKS}=1", status_code=303)
        response.cookies.append(
            Cookie(
                key=guard.COOKIE,
                value=guard.device_cookie(secret, slug, link, today),
                path=f"/e/{slug}/{link}",
                max_age=_until_midnight(parts.clock()),
                httponly=True,
                secure=parts.settings.cookie_secure,
                samesite="lax",
            )
        )
        return response

    async def _found(self, p: Parts, slug: str, link: str) -> Public | Response:
        try:
            return await _public(p, slug, link)
        except NotFound as err:
            return Template(
                "survey/message.html.j2",
                context={"who": None, "title": "Enquête niet gevonden", "text": err.message},
                status_code=404,
            )
