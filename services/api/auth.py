"""Log in, log out, log out everywhere; the start page per role."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import text

from domain.accounts import Role
from domain.login_throttle import failure_notice, refusal
from services.api.web import page, require_who, see_other, who

FAILED = "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord."
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _svc(request: Request):
    return request.app.state.services


@get("/login", include_in_schema=False)
async def login_page(request: Request, next: str = "") -> Template:
    reason = "Uw sessie is verlopen; log opnieuw in." if next else None
    return page(request, "auth/login.html.j2", error=None, notice=reason, email="", next=_safe_next(next))


@post("/login", include_in_schema=False)
async def login(request: Request, data: Form) -> Response:
    svc = _svc(request)
    email = str(data.get("email", "")).strip().lower()[:254]
    password = str(data.get("password", ""))[:1024]
    nxt = _safe_next(str(data.get("next", "")))
    user = await svc.accounts.user_by_email(email) if email else None
    usable = user is not None and user.active and bool(user.memberships)
    check = await check_password(request, email, user.password_hash if user else None, password, usable)
    if not check.ok:
        error = check.refused or " ".join(filter(None, (FAILED, check.notice)))
        response = page(
            request,
            "auth/login.html.j2",
            status=check.status,
            error=error,
            notice=None,
            email=email,
            next=nxt,
        )
        return check.with_retry_after(response)
    await svc.accounts.rehash_if_outdated(user, password)
    old = request.cookies.get(svc.session_cookie)
    session_id = await svc.sessions.create(user.user_id, replacing=old)
    async with svc.container.db.platform() as conn:
        await conn.execute(
            text("UPDATE users SET last_login_at = :now WHERE user_id = :u"),
            {"u": user.user_id, "now": svc.clock()},
        )
    response = see_other(nxt or await start_url(svc, user))
    response.cookies.append(svc.session_cookie_for(session_id))
    return response


@dataclass(frozen=True)
class PasswordCheck:
    """A password checked (`ok`), wrong (with `notice`: a warning or when to try again), or not checked at
    all because the throttle refused the attempt (`refused`: the message, and `retry_after` seconds)."""

    ok: bool
    refused: str | None = None
    notice: str | None = None
    retry_after: int = 0

    @property
    def status(self) -> int:
        return 429 if self.refused else 401

    def with_retry_after(self, response: Response) -> Response:
        if self.refused:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


async def check_password(
    request: Request, email: str, password_hash: str | None, password: str, usable: bool = True
) -> PasswordCheck:
    """One password check, reserved with the login throttle before it is made; unknown and unusable accounts
    are checked against a dummy hash and counted alike, so the answers tell nothing about the account."""
    svc = _svc(request)
    address = request.client.host if request.client else "?"
    now = svc.clock()
    attempt = await svc.throttle.reserve(email, address, now)
    if not attempt.allowed:
        wait = math.ceil(((attempt.retry_at or now) - now).total_seconds())
        return PasswordCheck(False, refused=refusal(attempt, now), retry_after=max(wait, 1))
    if await svc.passwords.verify_async(password_hash, password) and usable:
        await svc.throttle.succeeded(email, address)
        return PasswordCheck(True)
    return PasswordCheck(False, notice=failure_notice(attempt, svc.throttle.policy, now))


@post("/logout", include_in_schema=False)
async def logout(request: Request) -> Redirect:
    svc = _svc(request)
    w = who(request)
    if w and w.session_id:
        await svc.sessions.destroy(w.session_id)
    return _logged_out(svc)


@post("/logout-everywhere", include_in_schema=False)
async def logout_everywhere(request: Request) -> Redirect:
    svc = _svc(request)
    w = require_who(request)
    await svc.sessions.destroy_all(w.user_id)
    return _logged_out(svc)


def _logged_out(svc) -> Redirect:
    response = see_other("/login?uitgelogd=1")
    response.cookies.append(
        Cookie(
            key=svc.session_cookie,
            value="",
            max_age=0,
            path="/",
            httponly=True,
            secure=svc.settings.cookie_secure,
            samesite="lax",
        )
    )
    return response


@get("/", include_in_schema=False)
async def home(request: Request) -> Redirect:
    w = who(request)
    if w is None:
        return see_other("/login")
    return see_other(await start_url(_svc(request), w.user))


async def start_url(svc, user) -> str:
    """Desk staff land on their desk, coordinators too; the others on their own overview."""
    roles = {m.role for m in user.memberships}
    if Role.PLATFORM_ADMIN in roles:
        return "/beheer"
    if Role.KB_ANALYST in roles:
        return "/kb"
    if Role.POI_ADVISER in roles:
        return "/poi"
    tenant = next(m.tenant_id for m in user.memberships if m.tenant_id)
    return f"/t/{(await svc.accounts.tenant_by_id(tenant)).slug}/balie"


def _safe_next(nxt: str) -> str:
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else ""
