"""Errors: problem+json (RFC 9457) under /api, a Dutch page elsewhere; a missing login goes to the login page."""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template

from domain.errors import DomainError, IdempotencyConflict, NotFound, WrongExpectedVersion

log = structlog.get_logger()
TITLES = {
    400: "Ongeldig verzoek",
    401: "Niet ingelogd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    409: "Conflict",
    413: "Verzoek te groot",
    415: "Verkeerd formaat",
    422: "Ongeldige invoer",
    429: "Te veel verzoeken",
    500: "Er ging iets mis",
    503: "Tijdelijk niet beschikbaar",
}
PAGE_TEXT = {
    404: "Deze pagina bestaat niet, of u heeft er geen toegang toe.",
    403: "U heeft geen toegang tot deze pagina.",
    500: "Er ging iets mis aan onze kant. Probeer het over een ogenblik opnieuw.",
    503: "De dienst is even niet bereikbaar. Probeer het over een ogenblik opnieuw.",
}


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": type_,
        "title": TITLES.get(status, "Fout"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type="application/problem+json", headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    if _is_api(request):
        return problem(request, status, detail or TITLES.get(status, "Fout"))
    text = PAGE_TEXT.get(status) if status in (404, 500, 503) or not detail else detail
    return Template(
        "errors/error.html.j2",
        status_code=status,
        media_type=MediaType.HTML,
        context={
            "who": request.scope.get("ido_who"),
            "status": status,
            "title": TITLES.get(status, "Fout"),
            "text": text or PAGE_TEXT[500],
        },
    )


def http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and not _is_api(request):
        target = "/login?next=" + request.url.path
        if request.headers.get("hx-request") == "true":
            return Response("", status_code=401, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
    if isinstance(exc, ValidationException) and _is_api(request):
        return problem(request, 400, "De gegevens in het verzoek kloppen niet.", errors=_field_errors(exc))
    if exc.status_code == 401 and _is_api(request):
        return problem(
            request,
            401,
            "Geef een geldig API-token mee (Authorization: Bearer …).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    detail = exc.detail if exc.status_code in (403, 405, 413, 415, 429) else None
    if exc.status_code == 413:
        detail = "Het verzoek is te groot."
    if exc.status_code == 403 and "CSRF" in str(exc.detail):
        detail = "Het formulier is verlopen of onvolledig. Laad de pagina opnieuw en probeer het nog eens."
    return error_page(request, exc.status_code, detail)


def _field_errors(exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [{"field": e.get("key"), "message": e.get("message")} for e in extra if isinstance(e, dict)]
    if not errors and (m := re.search(r"parameter '([^']+)'", str(exc.detail))):
        errors = [{"field": m.group(1), "message": f"De parameter '{m.group(1)}' ontbreekt of is ongeldig."}]
    return errors


def domain_error(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotFound):
        return error_page(request, 404, exc.message)
    status = 409 if isinstance(exc, (WrongExpectedVersion, IdempotencyConflict)) else 422
    if _is_api(request):
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
        return problem(request, status, exc.message, type_=f"/problems/{exc.code}", errors=errors)
    return error_page(request, status, exc.message)


def server_error(request: Request, exc: Exception) -> Response:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, (OperationalError, InterfaceError, RedisConnectionError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        log.warning("backing service unavailable", error=type(exc).__name__)
        response = error_page(request, 503)
        response.headers["Retry-After"] = "5"
        return response
    log.exception("unhandled error", path=request.url.path)
    return error_page(request, 500)
