"""ASGI middleware: request ids, security headers and CSP, same-origin checks, and who is asking."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

import structlog
from litestar.datastructures import Headers
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.exceptions import RedisError

from services.api.deps import web
from services.api.web import Who, log_tenant

log = structlog.get_logger()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def request_context(app: ASGIApp) -> ASGIApp:
    """A request id and start time for the logs and the answer (sent by the before-send hooks below)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["ido_request_id"] = secrets.token_hex(8)  # type: ignore[typeddict-unknown-key]
            scope["ido_started"] = time.perf_counter()  # type: ignore[typeddict-unknown-key]
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(request_id=scope["ido_request_id"])  # type: ignore[typeddict-item]
        await app(scope, receive, send)

    return middleware


_SECURITY_RAW = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_NO_STORE = (b"cache-control", b"no-store")


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before-send hook of the application, so that every answer has them: also the ones that exceptions
    raised outside the route handler produce (the CSRF check, the middleware), which Litestar's outermost
    exception handler sends past every middleware. A header the answer has already is kept (the request id
    and HSTS are ours: they replace one); written on the raw list, which Litestar's MutableScopeHeaders went
    through once per header."""
    if message["type"] != "http.response.start":
        return
    request_id, https = scope.get("ido_request_id"), scope.get("scheme") == "https"
    ours = {b"x-request-id"} if request_id else set()
    if https:
        ours.add(_HSTS[0])
    headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in ours]
    present = {k.lower() for k, _ in headers}
    headers += [h for h in _SECURITY_RAW if h[0] not in present]
    if request_id:
        headers.append((b"x-request-id", request_id.encode("latin-1")))  # type: ignore[attr-defined]
    if https:
        headers.append(_HSTS)
    if b"cache-control" not in present and not scope["path"].startswith("/static/"):
        headers.append(_NO_STORE)
    message["headers"] = headers  # type: ignore[typeddict-unknown-key]


UNLOGGED = ("/static/", "/healthz", "/readyz", "/metrics")


async def log_request(message: Message, scope: Scope) -> None:
    """A before-send hook: one line per answer with the route template (ids and slugs are not in it; the tenant
    id is the library scope's), never the query string, the body or who the visitor was."""
    if message["type"] != "http.response.start" or scope["path"].startswith(UNLOGGED):
        return
    started = scope.get("ido_started")
    log.info(
        "request",
        method=scope["method"],
        route=scope.get("path_template") or "-",
        status=message["status"],
        ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
        user_id=str(who.user_id) if (who := scope.get("ido_who")) else None,
        **log_tenant(scope),
    )


def same_origin(app: ASGIApp) -> ASGIApp:
    """A second wall beside the CSRF token (which is not bound to the session): a browser's state-changing
    request must come from our own origin."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE and not scope["path"].startswith("/api/"):
            h = Headers.from_scope(scope)
            site, origin = h.get("sec-fetch-site"), h.get("origin")
            if site == "cross-site" or (
                origin and origin != "null" and urlsplit(origin).netloc != h.get("host")
            ):
                await _plain(send, 403, "Verzoek van een andere website geweigerd.")
                return
        await app(scope, receive, send)

    return middleware


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def authentication(app: ASGIApp) -> ASGIApp:
    """Who is asking: an API token for /api/, a session cookie elsewhere. A broken Redis logs people out
    rather than showing an error page."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
            w = web(scope["app"].state)
            h = Headers.from_scope(scope)
            if scope["path"].startswith("/api/"):
                auth = h.get("authorization", "")
                if auth.lower().startswith("bearer "):
                    user = await w.accounts.user_for_token(auth[7:].strip())
                    # no memberships left: every library of the user is deactivated
                    if user is not None and user.memberships:
                        scope["ido_who"] = Who(user, None)  # type: ignore[typeddict-unknown-key]
            else:
                sid = _cookie(h.get("cookie", ""), w.session_cookie.name)
                if sid:
                    try:
                        session = await w.sessions.get(sid)
                    except RedisError as exc:
                        log.warning("session store unreachable", error=str(exc))
                        session = None
                    user = None
                    if session and (slug := _library_slug(scope["path"])) is not None:
                        # the library of a /t/{slug}/ page in the same round trip; scope.library checks it
                        user, tenant = await w.accounts.user_and_tenant(session.user_id, slug)
                        scope["ido_library"] = (slug, tenant)  # type: ignore[typeddict-unknown-key]
                    elif session:
                        user = await w.accounts.user_by_id(session.user_id)
                    if user is not None and user.active and user.memberships:
                        scope["ido_who"] = Who(user, sid)  # type: ignore[typeddict-unknown-key]
        await app(scope, receive, send)

    return middleware


def _library_slug(path: str) -> str | None:
    """The slug of a library's page (/t/{slug}/…), as the route's path parameter will read it."""
    parts = path.split("/", 3)
    return parts[2] if len(parts) > 2 and parts[1] == "t" and parts[2] else None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None
