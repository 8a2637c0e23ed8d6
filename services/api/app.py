"""Litestar application factory: the composition root for the web process."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from infra.bootstrap import build
from infra.settings import Settings

HERE = Path(__file__).parent


@get("/healthz", sync_to_thread=False, include_in_schema=False)
def healthz() -> dict[str, str]:
    """The process is alive (readiness of PostgreSQL and Redis is /readyz)."""
    return {"status": "ok"}


@get("/", include_in_schema=False)
async def home() -> Template:
    return Template("auth/login.html.j2", context={"error": None, "email": ""})


@get("/login", include_in_schema=False)
async def login_page() -> Template:
    return Template("auth/login.html.j2", context={"error": None, "email": ""})


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar):
        container = build(settings)
        app.state.container = container
        try:
            yield
        finally:
            await container.close()

    return Litestar(
        route_handlers=[healthz, home, login_page,
                        create_static_files_router(path="/static", directories=[HERE / "static"])],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        lifespan=[lifespan],
        debug=False,
    )
