"""Tenant isolation over every route, enumerated from the application's router, so that a route added later is
covered without anyone remembering it.

Two libraries A and B under two POIs, each with a question, a course with a participant, a partner, a notice, a
user, invitations and an API token. Every route is requested as a user of A with B's slug and ids, and with A's
slug and B's ids; as a POI adviser of A's POI against B; and with an API token of A against B. Each answer must
be 404 (403 or a login redirect where the route is not tenant-scoped), and no answer may contain B's data.
A control pass requests every page with the owner's own ids, so that the 404s above are not a fill-in mistake.
The same enumeration checks CSRF on every state-changing route and the security headers on every page."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from domain import gemeenten, ido, survey
from domain.accounts import Role
from infra.platform.invitations import Invitations
from infra.platform.partners import Partners
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from infra.settings import Settings
from services.api.api_reference import OTHER_VIEWERS
from services.api.middleware import SECURITY_HEADERS
from services.api.survey.pages import new_link
from tests.clock import NOW, TODAY, YEAR
from tests.commands import handle
from tests.e2e.conftest import PASSWORD, Lib, another_browser, csrf_of, login, make_library
from tests.projections import caught_up

PARAM = re.compile(r"\{(\w+):\w+\}")


def enumerate_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route the application serves, HEAD and OPTIONS aside."""
    from services.api.app import create_app

    env = {"DATABASE_URL": "postgresql://x@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1/0"}
    app = create_app(Settings.from_env({**env, "IDO_SECRET_KEY": "k" * 40}))
    out = []
    for route in app.routes:
        for method in sorted(set(getattr(route, "methods", ())) - {"HEAD", "OPTIONS"}):
            out.append((method, route.path))
    return out


ROUTES = enumerate_routes()
# Not about any library or organisation: public, or the signed-in user's own account. Requested all the same
# (no answer may hold B's data); only the status is not prescribed.
PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/", "/schema", "/login", "/logout")
# A library's public survey: anyone with its link reaches it, and it names the library (that is what it is for).
# With the library's own slug and link it is that library's page; with another library's slug it is a 404.
PUBLIC_LINKS = ("/e/{slug:str}/{link:str}",)
TOKEN_PAGES = (
    "/uitnodiging/{token:str}",
    "/wachtwoord-herstellen/{token:str}",
    "/kwartaaloverzicht/afmelden/{token:str}",  # the kwartaaloverzicht's opt-out (test_quarterly_mail_http.py)
)


@dataclass
class World:
    """One library's data, with the ids that routes take."""

    lib: Lib
    poi_id: UUID
    ids: dict[str, str]
    markers: list[str] = field(default_factory=list)
    desk_token: str = ""
    coordinator_token: str = ""
    poi_adviser: str = ""
    lib_name: str = ""


async def build_world(client, container, settings, lib: Lib, gemeente: str = "GM0080") -> World:
    accounts = container.accounts
    poi = await accounts.poi_by_slug(lib.poi)
    desk_user = await accounts.user_by_email(lib.desk)
    coordinator = await accounts.user_by_email(lib.coordinator)
    adviser = f"poi-{secrets.token_hex(3)}@test.example"
    adviser_id = await accounts.create_user(adviser, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    desk_token = await accounts.create_token(lib.desk)
    coordinator_token = await accounts.create_token(lib.coordinator)
    auth = {"Authorization": f"Bearer {desk_token}"}

    def api(path: str, body: dict) -> object:
        return client.post(
            f"/api/v1/t/{lib.slug}{path}", json=body, headers={**auth, "Idempotency-Key": str(uuid4())}
        )

    q = await api(
        "/questions",
        {
            "location_id": str(lib.location_id),
            "npd_party": "cbr",
            "topic": "cbr.rijbewijs_75",
            "help": "wegwijzer",
        },
    )
    assert q.status_code == 201, q.text
    course = await api(
        "/courses",
        {
            "programme": "digisterker",
            "location_id": str(lib.location_id),
            "start_date": str(TODAY),
            "sessions": 2,
            "capacity": 5,
        },
    )
    assert course.status_code == 201, course.text
    course_id = course.json()["course_id"]
    enrolment = await api(f"/courses/{course_id}/enrolments", {})
    assert enrolment.status_code == 201, enrolment.text
    partner_name = f"Formulierenbrigade {secrets.token_hex(4)}"
    partner_id = await Partners(container.db).add(
        lib.tenant_id, {"name": partner_name, "kind": "formulierenbrigade"}
    )
    survey_id = survey.survey_id_of(lib.tenant_id)
    await handle(
        container, lib.tenant_id, survey.ChooseSurveyQuestions(survey_id=survey_id, questions=("tevreden",))
    )
    opened = await handle(
        container,
        lib.tenant_id,
        survey.OpenSurveyLink(survey_id=survey_id, link=new_link(), location_id=lib.location_id),
        {"actor": "test"},
    )
    await handle(
        container,
        lib.tenant_id,
        ido.RescheduleOpening(
            location_id=lib.location_id, new_date=date(YEAR + 1, 1, 15), reason="Personeel ziek"
        ),
        {"actor": "test"},
    )
    await handle(container, lib.tenant_id, ido.SetGemeente(location_id=lib.location_id, gemeente=gemeente))
    runner = Runner(container.db, container.events, all_projections(settings, container.events))
    await caught_up(runner, lib.tenant_id)
    invitations = Invitations(container.db)
    now = NOW
    invited, _ = await invitations.create(
        coordinator.user_id,
        coordinator.memberships,
        f"nieuw-{secrets.token_hex(3)}@test.example",
        Role.DESK,
        tenant_id=lib.tenant_id,
        now=now,
    )
    adviser_user = await accounts.user_by_id(adviser_id)
    poi_invited, _ = await invitations.create(
        adviser_id,
        adviser_user.memberships,
        f"collega-{secrets.token_hex(3)}@test.example",
        Role.POI_ADVISER,
        poi_id=poi.poi_id,
        now=now,
    )
    async with container.reader.platform() as conn:
        notice_id = (
            await conn.execute(
                text("SELECT notice_id FROM notices WHERE tenant_id = :t AND kind = 'rescheduled'"),
                {"t": lib.tenant_id},
            )
        ).scalar_one()
        token_id = (
            await conn.execute(
                text("SELECT token_id FROM api_tokens WHERE user_id = :u"), {"u": desk_user.user_id}
            )
        ).scalar_one()
    tenant = await accounts.tenant_by_slug(lib.slug)
    ids = {
        "slug": lib.slug,
        "poi_slug": lib.poi,
        "tenant_id": str(lib.tenant_id),
        "location_id": str(lib.location_id),
        "question_id": q.json()["question_id"],
        "course_id": course_id,
        "code": enrolment.json()["code"],
        "partner_id": str(partner_id),
        "notice_id": str(notice_id),
        "user_id": str(desk_user.user_id),
        "invitation_id": str(invited.invitation_id),
        "poi_invitation_id": str(poi_invited.invitation_id),
        "token_id": str(token_id),
        "poi_id": str(poi.poi_id),
        "link": opened.body["link"],  # the public survey's short link (/e/{slug}/{link})
    }
    markers = [
        lib.slug,
        tenant.name,
        lib.desk,
        lib.coordinator,
        adviser,
        partner_name,
        enrolment.json()["code"],
        gemeenten.CURRENT.get(gemeente).name,  # the POI's board lists the gemeenten of its own libraries only
        *(v for k, v in ids.items() if k not in ("slug", "poi_slug")),
    ]
    return World(lib, poi.poi_id, ids, markers, desk_token, coordinator_token, adviser, tenant.name)


FILENAMES = {
    "/t/{slug:str}/dashboard/{filename:str}": "weeks.csv",
    "/t/{slug:str}/enquete/links/{link:str}/{filename:str}": "qr.svg",
    "/t/{slug:str}/import/{filename:str}": "sjabloon.xlsx",
    "/kb/verantwoording/bundels/{bundle_id:uuid}/{filename:str}": f"landelijk-{YEAR}.zip",
    "/api/v1/reports/bundles/{bundle_id:uuid}/{filename:str}": f"landelijk-{YEAR}.zip",
}
# a valid query and body where a route needs one, so that a refusal is about the library and not the input
QUERIES = {
    "/t/{slug:str}/cursussen/inschrijven": lambda ids: {"vraag": ids["question_id"]},
    "/api/v1/t/{slug:str}/questions": lambda ids: {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"},
    "/api/v1/t/{slug:str}/statistics": lambda ids: {
        "from": f"{YEAR}-01-01",
        "to": f"{YEAR}-12-31",
        "location_id": ids["location_id"],
    },
}
COURSE = "/api/v1/t/{slug:str}/courses/{course_id:uuid}"
BODIES = {
    "/api/v1/t/{slug:str}/questions": lambda ids: {
        "location_id": ids["location_id"],
        "npd_party": "cbr",
        "topic": "cbr.rijbewijs_75",
        "help": "wegwijzer",
    },
    "/api/v1/t/{slug:str}/courses": lambda ids: {
        "programme": "digisterker",
        "location_id": ids["location_id"],
        "start_date": str(TODAY),
        "sessions": 2,
        "capacity": 5,
    },
    COURSE + "/enrolments": lambda ids: {},
    COURSE + "/withdrawals": lambda ids: {"code": ids["code"]},
    COURSE + "/sessions/{session:int}/attendance": lambda ids: {
        "held_on": str(TODAY),
        "present": [ids["code"]],
    },
    COURSE + "/completion": lambda ids: {"completed": [ids["code"]]},
    COURSE + "/cancellation": lambda ids: {"reason": "Geen docent"},
}
FIXED = {"session": "1", "action": "deactiveren", "file_path": "app.css", "path": "openapi.json"}


def fill(template: str, slug_of: World, ids_of: World) -> str:
    """The path with `slug` (and `poi_slug`) from one world and every other id from another."""

    def value(m: re.Match) -> str:
        name = m.group(1)
        if name in ("slug", "poi_slug"):
            return slug_of.ids[name]
        if name == "filename":
            return FILENAMES.get(template, f"{YEAR}.xlsx")
        if name in ("token",):
            return secrets.token_urlsafe(24)
        if name == "bundle_id":
            return str(uuid4())
        if name in FIXED:
            return FIXED[name]
        if name == "invitation_id" and template.startswith("/poi/"):
            return ids_of.ids["poi_invitation_id"]
        return ids_of.ids[name]

    return PARAM.sub(value, template)


def tenant_scoped(template: str) -> bool:
    return "{slug:str}" in template or "{poi_slug:str}" in template or template.startswith("/poi/meldingen/")


def about_b(template: str) -> bool:
    """The route names a library, an organisation or their data: filled with B's, it must be refused."""
    if template.startswith(PUBLIC_PREFIXES) or template in TOKEN_PAGES:
        return False
    return bool(set(PARAM.findall(template)) - {"filename", "session", "action", "token"})


async def role_refusal(client, method: str, template: str, a: World, headers: dict[str, str]) -> bool:
    r = await request(client, method, template, fill(template, a, a), a.ids, headers)
    return r.status_code == 403


def has_ids(template: str) -> bool:
    names = set(PARAM.findall(template)) - {"slug", "poi_slug", "filename", "session", "action", "token"}
    return bool(names)


@pytest.fixture(scope="module")
async def base(app):
    """The running app; every actor is a browser of its own on it."""
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture(scope="module")
async def worlds(base, container, settings):
    a = await build_world(base, container, settings, await make_library(container), "GM0080")
    b = await build_world(base, container, settings, await make_library(container), "GM0088")
    return a, b


async def session_of(base, email: str) -> httpx.AsyncClient:
    client = another_browser(base, follow_redirects=False)
    r = await login(client, email)
    assert r.status_code == 303, r.text
    return client


def csrf_headers(client) -> dict[str, str]:
    return {"x-csrftoken": client.cookies.get("ido_csrf", "")}


async def request(
    client, method: str, template: str, path: str, ids: dict[str, str], headers: dict[str, str]
):
    params = QUERIES[template](ids) if template in QUERIES else None
    if method == "GET":
        return await client.get(path, params=params, headers=headers, follow_redirects=False)
    if path.startswith("/api/"):
        body = BODIES[template](ids) if template in BODIES else {}
        headers = {**headers, "Idempotency-Key": str(uuid4())}
        return await client.post(path, json=body, headers=headers, follow_redirects=False)
    return await client.post(path, data={}, headers=headers, follow_redirects=False)


def leaked(r, world: World, shown: tuple[str, ...] = ()) -> list[str]:
    """B's data in the answer; what the request itself named (a problem's `instance`) and what the page is
    public for (`shown`) do not count."""
    asked = str(r.request.url)
    return [m for m in world.markers if m in r.text and m not in asked and m not in shown]


def public_page(template: str, path: str, b: World) -> bool:
    """B's own public survey page (its slug and its link)."""
    return template in PUBLIC_LINKS and path == fill(template, b, b)


def refused(r, template: str, signed_in: bool) -> bool:
    """Not reached: 404 for a route about a library or its data; a role refusal (401/403, the login page)
    where the route is not about one library. An API token is no session: a page answers it with the login
    page, a form with the CSRF refusal."""
    to_login = r.status_code == 303 and r.headers["location"].startswith("/login")
    if not signed_in and not template.startswith("/api/"):
        return to_login or r.status_code == 403
    if tenant_scoped(template):
        return r.status_code == 404
    return r.status_code in (401, 403, 404) or to_login


async def sweep(client, a: World, b: World, headers: dict[str, str], signed_in: bool, only=lambda t: True):
    """Request every route against B; answer what went wrong, one line per route."""
    problems = []
    for method, template in sorted(ROUTES, key=lambda r: r[1].startswith("/logout")):  # logging out last
        if not only(template):
            continue
        variants = [fill(template, b, b)]
        if has_ids(template) and tenant_scoped(template):
            variants.append(fill(template, a, b))  # own slug, another library's ids
        for path in variants:
            r = await request(client, method, template, path, b.ids, headers)
            public = public_page(template, path, b)
            if leak := leaked(r, b, shown=(b.lib_name,) if public else ()):
                problems.append(f"{method} {path}: {r.status_code} holds {leak}")
            if missing := [h for h in SECURITY_HEADERS if h not in r.headers]:
                problems.append(f"{method} {path}: {r.status_code} without {missing}")
            if r.status_code >= 500:
                problems.append(f"{method} {path}: {r.status_code}")
            elif public:
                continue  # B's survey, open to anyone with its link: only its name may show (above)
            elif about_b(template) and not refused(r, template, signed_in or template in PUBLIC_LINKS):
                if r.status_code == 403 and await role_refusal(client, method, template, a, headers):
                    continue  # refused for the role whatever the library: tells nothing about B
                problems.append(f"{method} {path}: {r.status_code} (expected to be refused)")
    return problems


@pytest.mark.parametrize("role", ["desk", "coordinator"])
async def test_a_library_user_reaches_nothing_of_another_library(base, worlds, role):
    a, b = worlds
    client = await session_of(base, getattr(a.lib, role))
    problems = await sweep(client, a, b, csrf_headers(client), True, only=lambda t: not t.startswith("/api/"))
    assert not problems, "\n".join(problems)


async def test_a_poi_adviser_reaches_nothing_of_a_library_under_another_poi(base, worlds):
    a, b = worlds
    assert a.lib.poi != b.lib.poi
    client = await session_of(base, a.poi_adviser)
    problems = await sweep(client, a, b, csrf_headers(client), True, only=lambda t: not t.startswith("/api/"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["desk_token", "coordinator_token"])
async def test_an_api_token_reaches_nothing_of_another_library(base, worlds, role):
    a, b = worlds
    headers = {"Authorization": f"Bearer {getattr(a, role)}", "Idempotency-Key": str(uuid4())}
    problems = await sweep(another_browser(base), a, b, headers, False)
    assert not problems, "\n".join(problems)


# the control: with their own ids, the same fill reaches the pages (so the 404s above are about B)

CONTROL_STATUS = {
    "/": (303,),  # to the user's start page
    "/api/v1/reports/verantwoording/{filename:str}": (200, 202),  # 202 while a worker builds the bundle
    **{f"/schema{viewer}": (302,) for viewer in OTHER_VIEWERS},  # to the API reference at /schema
}
NOT_CONTROLLED = {
    # a bundle exists only after the KB asked a worker for one (tests/e2e/test_report_bundle.py)
    "/kb/verantwoording/bundels/{bundle_id:uuid}",
    "/kb/verantwoording/bundels/{bundle_id:uuid}/{filename:str}",
    "/api/v1/reports/bundles/{bundle_id:uuid}",
    "/api/v1/reports/bundles/{bundle_id:uuid}/{filename:str}",
    # a one-time token from an e-mail (tests/e2e/test_accounts_http.py)
    *TOKEN_PAGES,
    "/schema/{path:str}",
    "/static/{file_path:path}",
}


async def test_with_their_own_ids_every_page_is_reached_and_has_the_security_headers(base, worlds, container):
    a, _ = worlds
    kb = f"kb-{secrets.token_hex(3)}@test.example"
    admin = f"beheer-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(kb, Role.KB_ANALYST, password=PASSWORD)
    await container.accounts.create_user(admin, Role.PLATFORM_ADMIN, password=PASSWORD)
    sessions = {
        "/poi": await session_of(base, a.poi_adviser),
        "/kb": await session_of(base, kb),
        "/beheer": await session_of(base, admin),
        "": await session_of(base, a.lib.coordinator),
    }
    kb_token = await container.accounts.create_token(kb)
    problems, pages = [], 0
    for method, template in ROUTES:
        if method != "GET" or template in NOT_CONTROLLED:
            continue
        path = fill(template, a, a)
        if template.startswith("/api/"):
            token = kb_token if template.startswith("/api/v1/reports") else a.coordinator_token
            r = await request(
                sessions[""], "GET", template, path, a.ids, {"Authorization": f"Bearer {token}"}
            )
        else:
            prefix = next(p for p in sessions if template.startswith(p))
            r = await request(sessions[prefix], "GET", template, path, a.ids, {})
        if r.status_code not in CONTROL_STATUS.get(template, (200,)):
            problems.append(f"GET {path}: {r.status_code}")
            continue
        missing = [h for h in SECURITY_HEADERS if h not in r.headers]
        if missing:
            problems.append(f"GET {path}: no {missing}")
        if r.headers.get("content-type", "").startswith("text/html"):
            pages += 1
            if "<html" in r.text and 'lang="nl"' not in r.text and not template.startswith("/schema"):
                problems.append(f"GET {path}: page without lang=nl")
    assert not problems, "\n".join(problems)
    assert pages > 35, pages  # the other OpenAPI viewers are redirects now, no pages


# CSRF on every state-changing route

UNSAFE_FORMS = [(m, t) for m, t in ROUTES if m != "GET" and not t.startswith("/api/")]


async def _event_count(container, tenant_id) -> int:
    async with container.reader.platform() as conn:
        return (
            await conn.execute(text("SELECT count(*) FROM events WHERE tenant_id = :t"), {"t": tenant_id})
        ).scalar_one()


async def test_every_state_changing_form_route_refuses_a_post_without_a_valid_csrf_token(
    base, worlds, container
):
    a, _ = worlds
    assert len(UNSAFE_FORMS) > 50
    client = await session_of(base, a.lib.coordinator)
    before = await _event_count(container, a.lib.tenant_id)
    problems = []
    for method, template in UNSAFE_FORMS:
        path = fill(template, a, a)
        for headers in ({}, {"x-csrftoken": "vervalst"}):
            r = await client.post(path, data={"_csrf_token": "vervalst"}, headers=headers)
            if r.status_code != 403:
                problems.append(f"{method} {path} {headers}: {r.status_code}")
    # a cross-site form post with a valid token is refused as well (the same-origin wall)
    r = await client.post(
        fill("/t/{slug:str}/balie/vragen", a, a),
        data={"_csrf_token": client.cookies.get("ido_csrf", "")},
        headers={"Origin": "https://kwaadwillend.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403
    assert not problems, "\n".join(problems)
    assert await _event_count(container, a.lib.tenant_id) == before


# a NUL (which PostgreSQL cannot store) anywhere in a request is refused as bad input, never a 500

NUL = "x\x00y"


async def test_a_nul_in_a_query_form_or_login_is_bad_input_on_every_route(base, worlds):
    a, _ = worlds
    client = await session_of(base, a.lib.coordinator)
    fields = {
        name: NUL
        for name in (
            "email",
            "naam",
            "name",
            "notitie",
            "reden",
            "reason",
            "locatie",
            "partij",
            "onderwerp",
            "key",
        )
    }
    problems = []
    for method, template in sorted(ROUTES, key=lambda r: r[1].startswith("/logout")):
        path = fill(template, a, a)
        if method == "GET":
            r = await client.get(path, params={"vraag": NUL, "bibliotheek": NUL, "locatie": NUL, "van": NUL})
        elif template.startswith("/api/"):
            continue  # the JSON API is fuzzed in test_api_fuzz.py
        else:
            r = await client.post(path, data={**fields, "_csrf_token": client.cookies.get("ido_csrf", "")})
        if r.status_code >= 500:
            problems.append(f"{method} {path}: {r.status_code}")
    assert not problems, "\n".join(problems)
    anonymous = another_browser(base)
    page = await anonymous.get("/login")
    r = await anonymous.post(
        "/login", data={"email": "a\x00b@test.example", "password": NUL, "_csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 400 and "niet kan worden opgeslagen" in r.text, (r.status_code, r.text[-500:])
