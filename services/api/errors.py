"""Errors: problem+json (RFC 9457) under /api, a Dutch page elsewhere; a missing login goes to the login page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template

from domain.errors import DomainError, Forbidden, IdempotencyConflict, NotFound, WrongExpectedVersion
from services.api.web import log_tenant

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


PROBLEM_MEDIA_TYPE = "application/problem+json"
# What each refusal of the API means, for the OpenAPI document (which is in English; the answers are Dutch)
PROBLEM_DESCRIPTIONS = {
    400: "Malformed request: a parameter, header or field is missing, of the wrong type or too long.",
    401: "No valid API token (Authorization: Bearer …).",
    404: "Not found, or not yours: another library's resources are not shown.",
    409: "The Idempotency-Key was used with another request, or a concurrent change won.",
    413: "The request body is larger than 256 KiB.",
    415: "The request body is not sent as application/json.",
    422: "Well-formed but refused; `errors` names the field.",
    503: "The database or Redis is briefly unavailable; retry after Retry-After seconds.",
}


class FieldError(msgspec.Struct):
    field: str | None
    message: str


class Problem(msgspec.Struct, kw_only=True):
    """Problem details (RFC 9457): how the API answers every refusal."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] = msgspec.field(default_factory=list)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem+json answers of an API operation, for its `responses=` (so the OpenAPI document lists them)."""
    return {
        status: ResponseSpec(
            Problem,
            description=PROBLEM_DESCRIPTIONS[status],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
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
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


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


_BODY_FIELD = re.compile(r"^(.*?) - at `\$\.data\.([^`]+)`$")


def _as_client_error(exc: HTTPException) -> HTTPException:
    """Litestar answers a body field that has the name of one of the app's dependencies (`sessions` of a course,
    `sessions` the session store) with a 500: its signature model takes the field's error for the dependency's.
    A value at `$.data.…` came with the request, so it is the client's error (400), as for any other field."""
    cause = exc.__cause__
    if (
        exc.status_code == 500
        and isinstance(cause, msgspec.ValidationError)
        and (m := _BODY_FIELD.match(str(cause)))
    ):
        return ValidationException(
            detail=str(cause), extra=[{"key": m[2], "message": m[1], "source": "body"}]
        )
    return exc


def http_error(request: Request, exc: HTTPException) -> Response:
    exc = _as_client_error(exc)
    if isinstance(exc, NotAuthorizedException) and not _is_api(request):
        back = _return_to(request)
        expired = "verlopen=1&" if _had_session(request) else ""  # ended by itself, not by logging out
        target = f"/login?{expired}next={back}" if back else "/login"
        if request.headers.get("hx-request") == "true":
            return Response("", status_code=401, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
    if isinstance(exc, ValidationException) and _is_api(request):
        errors = _field_errors(request, exc)
        return problem(request, 400, "De gegevens in het verzoek kloppen niet.", errors=errors)
    if exc.status_code == 400 and _is_api(request):  # the body could not be decoded
        return problem(request, 400, "De gegevens in het verzoek zijn geen geldige JSON.")
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


SESSION_COOKIES = ("ido_session", "__Host-ido_session")  # services/api/sign_in.SessionCookie


def _had_session(request: Request) -> bool:
    """The browser brought a session cookie that no longer opens a session: it expired (or was ended
    elsewhere). Logging out deletes the cookie, so a page asked for after that is no expired session."""
    return any(request.cookies.get(name) for name in SESSION_COOKIES)


def _return_to(request: Request) -> str:
    """The page to return to after logging in: the page asked for, or for a form sent without a login (a session
    lost with Redis) the page the form was on; a GET of the form's own URL would answer 405."""
    if request.method in ("GET", "HEAD"):
        return request.url.path
    for header in ("hx-current-url", "referer"):
        url = urlsplit(request.headers.get(header, ""))
        if url.path.startswith("/") and url.netloc in ("", request.headers.get("host")):
            return url.path
    return ""


def _field_errors(request: Request, exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {"field": _wire_name(request, e.get("key")), "message": dutch(str(e.get("message")))}
        for e in extra
        if isinstance(e, dict)
    ]
    for e in errors:
        if e["field"] is None and e["message"] == "'data'":
            e["message"] = "Het verzoek heeft geen inhoud; stuur een JSON-object."
    if not errors and (m := re.search(r"parameter '([^']+)'", str(exc.detail))):
        errors = [{"field": m.group(1), "message": f"De parameter '{m.group(1)}' ontbreekt of is ongeldig."}]
    return errors


_TYPES = {
    "str": "tekst",
    "int": "een geheel getal",
    "float": "een getal",
    "bool": "true of false",
    "object": "een JSON-object",
    "array": "een lijst",
    "null": "null",
}
_DUTCH: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"Expected `(\w+)`, got `(\w+)`"),
        lambda m: f"Verwacht {_TYPES.get(m[1], m[1])}, niet {_TYPES.get(m[2], m[2])}.",
    ),
    (re.compile(r"Object missing required field `([^`]+)`"), lambda m: f"Het veld '{m[1]}' ontbreekt."),
    (re.compile(r"Object contains unknown field `([^`]+)`"), lambda m: f"Het veld '{m[1]}' bestaat niet."),
    (re.compile(r"Expected `str` of length <= (\d+)"), lambda m: f"Hoogstens {m[1]} tekens."),
    (re.compile(r"Expected `str` of length >= (\d+)"), lambda m: f"Minstens {m[1]} tekens."),
    (re.compile(r"Expected `array` of length <= (\d+)"), lambda m: f"Hoogstens {m[1]} elementen."),
    (re.compile(r"Expected `\w+` <= (-?[\d.]+)"), lambda m: f"Hoogstens {m[1]}."),
    (re.compile(r"Expected `\w+` >= (-?[\d.]+)"), lambda m: f"Minstens {m[1]}."),
    (re.compile(r"Expected `str` matching regex"), lambda m: "Het formaat klopt niet."),
    (re.compile(r"Invalid UUID"), lambda m: "Geen geldige UUID."),
    (re.compile(r"Invalid RFC3339 encoded date\b(?!time)"), lambda m: "Geen geldige datum (JJJJ-MM-DD)."),
    (re.compile(r"Invalid RFC3339 encoded datetime"), lambda m: "Geen geldig tijdstip (RFC 3339)."),
    (re.compile(r"Invalid enum value (.+?)(?: - at|$)"), lambda m: f"{m[1]} is geen toegestane waarde."),
]


def dutch(message: str) -> str:
    """msgspec's validation messages in Dutch (the API's answers are Dutch); a Dutch message stays as it is."""
    for pattern, say in _DUTCH:
        if m := pattern.search(message):
            return say(m)
    if re.search(r"\b(Expected|Invalid|Object|got)\b", message):
        return "Deze waarde is ongeldig."
    return message


def _wire_name(request: Request, key: str | None) -> str | None:
    """The name the client used: `from` for the parameter `from_`, `Idempotency-Key` for `idempotency_key`;
    None for the body as a whole."""
    if key is None or key == "data":
        return None
    try:
        field = request.route_handler.parsed_fn_signature.parameters.get(key)
    except Exception:  # no route handler: keep the key
        return key
    return getattr(getattr(field, "kwarg_definition", None), "name", None) or key


def domain_error(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotFound):
        return error_page(request, 404, exc.message)
    if isinstance(exc, Forbidden):
        return error_page(request, 403, exc.message)
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
    if _sqlstate(exc) in UNSTORABLE_TEXT:
        # a NUL or broken UTF-8 in any field, parameter or path that reaches PostgreSQL: the statement (and its
        # transaction) failed, so nothing was stored; the input is wrong, not the server
        log.info("unstorable character refused", sqlstate=_sqlstate(exc))
        return error_page(request, 400, "Het verzoek bevat een teken dat niet kan worden opgeslagen.")
    log.exception("unhandled error", path=request.url.path, **log_tenant(request.scope))
    return error_page(request, 500)


UNSTORABLE_TEXT = {"22021", "22P05"}  # character not in repertoire (NUL), untranslatable character


def _sqlstate(exc: BaseException | None) -> str | None:
    """The SQLSTATE of a PostgreSQL error, raw (asyncpg) or wrapped by SQLAlchemy."""
    seen = 0
    while exc is not None and seen < 5:
        code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if isinstance(code, str):
            return code
        exc = getattr(exc, "orig", None) or exc.__cause__
        seen += 1
    return None
