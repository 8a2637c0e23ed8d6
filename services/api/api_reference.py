"""The API reference at /schema: Swagger UI from our own static files, so that it runs under the app's CSP."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.response import Redirect

# Vendored from the npm registry: services/api/static/vendor/<this>/README.md says which files and why
SWAGGER_UI = "swagger-ui-5.36.0"
# Where Litestar's own render plugins served Redoc, Swagger UI, Stoplight Elements and RapiDoc
OTHER_VIEWERS = ("/swagger", "/redoc", "/elements", "/rapidoc")


class SwaggerUiPlugin(OpenAPIRenderPlugin):
    """Litestar's render plugins load their viewer from a CDN and write an inline <style> and (but for
    Elements) an inline <script>; RapiDoc and Elements also inject inline styles as they run. The CSP refuses
    all of that, so their pages were blank. This one renders a page that references same-origin files only."""

    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        page = request.app.template_engine.get_template("api_reference/page.html.j2")
        return page.render(
            title=openapi_schema["info"]["title"],
            spec_url=self.get_openapi_json_route(request),
            vendor=f"/static/vendor/{SWAGGER_UI}",
        ).encode()

    def receive_router(self, router: Router) -> None:
        router.register(to_the_reference)


@get(list(OTHER_VIEWERS), sync_to_thread=False)
def to_the_reference(request: Request) -> Redirect:
    """Old links to another viewer land on the one we serve."""
    return Redirect(request.url.path.rsplit("/", 1)[0])
