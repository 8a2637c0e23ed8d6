"""Litestar application factory: the composition root for the web process."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from redis.asyncio import Redis

from application.bus import Bus
from domain.errors import DomainError
from domain.ports import Clock
from infra.bootstrap import Container, build
from infra.logs import configure as configure_logs
from infra.notify.wakeup import Waker
from infra.platform.login_throttle import LoginThrottle
from infra.platform.partners import Partners
from infra.platform.sessions import ABSOLUTE_SECONDS, SessionStore
from infra.queries.desk import DeskQueries
from infra.queries.health import check_feed
from infra.queries.locations import Location, list_locations
from infra.settings import Settings
from services.api import (
    accounts,
    admin,
    api_courses,
    api_reports,
    api_v1,
    auth,
    courses,
    dashboard,
    desk,
    errors,
    home,
    ops,
    partners,
    planning,
    users,
    verantwoording,
    verantwoording_kb,
)
from services.api.api_reference import SwaggerUiPlugin
from services.api.json_body import JsonBodyRequest
from services.api.legacy_import import LegacyImportController
from services.api.middleware import (
    add_security_headers,
    authentication,
    log_request,
    request_context,
    same_origin,
)
from services.api.templating import configure_environment
from services.bootstrap import command_bus
from services.worker.celery_app import make_celery

HERE = Path(__file__).parent
# HTTP latency per route template (not per id), on /metrics with the application's own figures
PROMETHEUS = PrometheusConfig(
    app_name="ido", prefix="ido", group_path=True, exclude=["/metrics", "/static", "/healthz", "/readyz"]
)
MAX_BODY = 256 * 1024


@dataclass
class Services:
    """What the controllers use; built once per process in the lifespan."""

    settings: Settings
    container: Container
    redis: Redis
    sessions: SessionStore
    throttle: LoginThrottle
    desk: DeskQueries
    partners: Partners
    clock: Clock
    bus: Bus  # every command: forms, the JSON API, the CLI and the import (application/)
    waker: Waker  # wakes the projection workers (the bus does after each command that appended)

    @property
    def accounts(self):
        return self.container.accounts

    @property
    def passwords(self):
        return self.container.passwords

    @property
    def session_cookie(self) -> str:
        return "__Host-ido_session" if self.settings.cookie_secure else "ido_session"

    def session_cookie_for(self, session_id: str) -> Cookie:
        return Cookie(
            key=self.session_cookie,
            value=session_id,
            path="/",
            httponly=True,
            secure=self.settings.cookie_secure,
            samesite="lax",
            max_age=ABSOLUTE_SECONDS,
        )

    async def locations(self, tenant_id: UUID) -> list[Location]:
        return await list_locations(self.container.db, self.container.codec, tenant_id)


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    container = build(settings, clock=clock)
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    clock = container.clock
    parts = Partners(container.db)
    waker = Waker(redis, make_celery(settings))
    return Services(
        settings,
        container,
        redis,
        SessionStore(redis, clock),
        LoginThrottle(redis, settings.secret_key),
        DeskQueries(container.events, parts, clock),
        parts,
        clock,
        command_bus(container, waker),
        waker,
    )


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logs()

    @asynccontextmanager
    async def lifespan(app: Litestar):
        services = build_services(settings, clock)
        await check_feed(
            services.container
        )  # refuse to serve a database restored logically into a new cluster
        app.state.services = services
        try:
            yield
        finally:
            await services.redis.aclose()
            await services.container.close()

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
            admin.AdminController,
            users.LibraryUsersController,
            users.PoiColleaguesController,
            desk.DeskController,
            partners.PartnersController,
            dashboard.DashboardController,
            planning.PlanningController,
            LegacyImportController,
            courses.CoursesController,
            *api_v1.ROUTES,
            *api_courses.ROUTES,
            *verantwoording.ROUTES,
            *verantwoording_kb.ROUTES,
            *api_reports.ROUTES,
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
        request_class=JsonBodyRequest,
        request_max_body_size=MAX_BODY,
        lifespan=[lifespan],
        debug=False,
    )


__all__ = ["Request", "create_app"]
