"""Litestar application factory: the composition root for the web process."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from redis.asyncio import Redis

from domain.errors import DomainError
from domain.ports import Clock
from infra.bootstrap import build
from infra.imports.import_uploads import ImportUploads
from infra.logs import configure as configure_logs
from infra.notify.tasks import CeleryTaskQueue, celery_app
from infra.notify.wakeup import Waker
from infra.platform.api_tokens import ApiTokens
from infra.platform.invitations import Invitations
from infra.platform.login_throttle import LoginThrottle
from infra.platform.mail_preferences import MailPreferences
from infra.platform.organisations import Organisations
from infra.platform.partners import Partners
from infra.platform.password_resets import PasswordResets, ResetThrottle
from infra.platform.sessions import SessionStore
from infra.platform.staff import Staff
from infra.platform.survey_throttle import SurveyThrottle
from infra.queries.desk import DeskQueries
from infra.queries.health import check_feed, readiness
from infra.queries.locations import list_locations
from infra.settings import Settings
from services.api import dev_mail, errors, home, navigation, ops
from services.api.accounts import admin, auth, quarterly_mail, users
from services.api.accounts import pages as accounts
from services.api.accounts.inviting import Inviter
from services.api.api_reference import SwaggerUiPlugin
from services.api.courses import api as api_courses
from services.api.courses import pages as courses
from services.api.deps import DEPENDENCIES, Web, resolve_in_turn
from services.api.desk import api as api_v1
from services.api.desk import offline as desk_offline
from services.api.desk import pages as desk
from services.api.guide.pages import GuideController
from services.api.imports.pages import LegacyImportController
from services.api.json_body import JsonBodyRequest
from services.api.middleware import (
    add_security_headers,
    authentication,
    log_request,
    request_context,
    same_origin,
)
from services.api.partners import pages as partners
from services.api.planning import pages as planning
from services.api.reports import api as api_reports
from services.api.reports import dashboard
from services.api.reports import kb as verantwoording_kb
from services.api.reports import kb_form as verantwoording_kb_form
from services.api.reports import pages as verantwoording
from services.api.sign_in import LoginCheck, SessionCookie, SignIn
from services.api.survey import pages as survey
from services.api.survey import public as survey_public
from services.api.templating import configure_environment
from services.bootstrap import command_bus
from services.importing import LegacyImporter

HERE = Path(__file__).parent
# HTTP latency per route template (not per id), on /metrics with the application's own figures
PROMETHEUS = PrometheusConfig(
    app_name="ido", prefix="ido", group_path=True, exclude=["/metrics", "/static", "/healthz", "/readyz"]
)
MAX_BODY = 256 * 1024


def build_web(settings: Settings, clock: Clock | None = None) -> Web:
    """The web process's wiring: every adapter a route may depend on (services/api/deps.py), built once."""
    container = build(settings, clock=clock)
    db, clock = container.db, container.clock
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    sessions = SessionStore(redis, clock)
    cookie = SessionCookie(settings.cookie_secure)
    invitations = Invitations(db)
    throttle = LoginThrottle(redis, settings.secret_key)
    local_partners = Partners(db)
    tasks = CeleryTaskQueue(celery_app(settings), redis)
    waker = Waker(tasks)
    bus = command_bus(container, waker)
    return Web(
        container=container,
        readiness=partial(readiness, container, redis),
        settings=settings,
        clock=clock,
        db=db,
        reader=container.reader,
        codec=container.codec,
        redis=redis,
        accounts=container.accounts,
        passwords=container.passwords,
        sessions=sessions,
        session_cookie=cookie,
        throttle=throttle,
        logins=LoginCheck(throttle, container.passwords, clock),
        sign_in=SignIn(container.accounts, sessions, cookie, db),
        bus=bus,
        waker=waker,
        tasks=tasks,
        desk_queries=DeskQueries(container.events, clock),
        locations=partial(list_locations, db, container.codec),
        partners=local_partners,
        organisations=Organisations(db),
        invitations=invitations,
        inviter=Inviter(invitations, clock, settings),
        staff=Staff(db, sessions, throttle, clock),
        api_tokens=ApiTokens(db),
        password_resets=PasswordResets(db),
        reset_throttle=ResetThrottle(redis),
        uploads=ImportUploads(redis),
        importer=LegacyImporter(bus, container.events, clock),
        survey_throttle=SurveyThrottle(redis, settings.secret_key),
        mail_preferences=MailPreferences(db),
    )


# Young objects a collection waits for (CPython: 700). A desk registration leaves about 130 behind it (reference
# cycles of its frames and futures) for the collector: at 700 it ran every fifth request.
YOUNG_OBJECTS = 10_000


def settle_garbage_collector() -> None:
    """Once the process has started: what it holds until it ends (modules, templates, pools) is moved out of the
    collector's sight (gc.freeze), and the young generation is collected less often (YOUNG_OBJECTS)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


def serve_app() -> Litestar:
    """The app as `ido serve` runs it (uvicorn's factory, once per worker process): the process serves nothing
    else, so the collector is settled once it has started (settle_garbage_collector)."""
    return create_app(settle_gc=True)


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, *, settle_gc: bool = False
) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logs()
    resolve_in_turn()

    @asynccontextmanager
    async def lifespan(app: Litestar):
        web = build_web(settings, clock)
        try:
            # refuse to serve a database restored logically into a new cluster
            await check_feed(web.container)
            app.state.web = web
            if settle_gc:
                settle_garbage_collector()
            yield
        finally:
            await web.redis.aclose()
            await web.container.close()

    return Litestar(
        route_handlers=[
            *ops.ROUTES,
            auth.login_page,
            auth.login,
            auth.logout,
            auth.logout_everywhere,
            auth.home,
            *home.ROUTES,
            *accounts.ROUTES,
            *quarterly_mail.ROUTES,
            admin.AdminController,
            users.LibraryUsersController,
            users.PoiColleaguesController,
            desk.DeskController,
            desk_offline.DeskAppController,
            desk_offline.service_worker,
            partners.PartnersController,
            dashboard.DashboardController,
            planning.PlanningController,
            GuideController,
            LegacyImportController,
            courses.CoursesController,
            survey.SurveyController,
            survey_public.PublicSurveyController,
            *api_v1.ROUTES,
            *api_courses.ROUTES,
            *verantwoording.ROUTES,
            *verantwoording_kb.ROUTES,
            *verantwoording_kb_form.ROUTES,
            *api_reports.ROUTES,
            *dev_mail.routes(settings),
            create_static_files_router(
                path="/static", directories=[HERE / "static"], include_in_schema=False
            ),
        ],
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=configure_environment
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="ido_csrf",
            header_name="x-csrftoken",
            cookie_secure=settings.cookie_secure,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=["/api/", "/healthz", "/readyz", "/static/", "/schema"],
        ),
        middleware=[request_context, PROMETHEUS.middleware, same_origin, authentication],
        before_request=navigation.before_request,
        before_send=[add_security_headers, log_request],
        exception_handlers={
            HTTPException: errors.http_error,
            DomainError: errors.domain_error,
            Exception: errors.server_error,
        },
        openapi_config=OpenAPIConfig(
            title="IDO-registratie API",
            version="1",
            path="/schema",
            # the API is at the origin that serves the document (OpenAPI's default); Swagger UI's picker for a
            # list of servers is a <select> without a label
            servers=[],
            description="Every operation needs an API token (Account → API-tokens): `Authorization: Bearer …`. "
            "Refusals are problem+json (RFC 9457) with a Dutch `detail`; registrations take an `Idempotency-Key`.",
            components=Components(
                security_schemes={
                    "apiToken": SecurityScheme(
                        type="http", scheme="bearer", description="An API token (ido_…)"
                    )
                }
            ),
            security=[{"apiToken": []}],
            render_plugins=[SwaggerUiPlugin(), YamlRenderPlugin()],  # and the JSON at /schema/openapi.json
        ),
        dependencies=DEPENDENCIES,
        request_class=JsonBodyRequest,
        request_max_body_size=MAX_BODY,
        lifespan=[lifespan],
        debug=False,
    )


__all__ = ["Request", "create_app"]
