"""Log in, log out, log out everywhere; the start page per role."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import text

from domain.accounts import Role
from services.api.web import page, require_who, see_other, who

FAILED = "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord."
THROTTLED = "Te veel mislukte pogingen. Wacht een kwartier en probeer het dan opnieuw."
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
    address = request.client.host if request.client else "?"
    nxt = _safe_next(str(data.get("next", "")))
    if await svc.throttle.blocked(email, address):
        return page(
            request, "auth/login.html.j2", status=429, error=THROTTLED, notice=None, email=email, next=nxt
        )
    user = await svc.accounts.user_by_email(email) if email else None
    ok = await svc.passwords.verify_async(user.password_hash if user else None, password)
    if not ok or user is None or not user.active or not user.memberships:
        await svc.throttle.failed(email, address)
        return page(
            request, "auth/login.html.j2", status=401, error=FAILED, notice=None, email=email, next=nxt
        )
    await svc.throttle.succeeded(email)
    await svc.accounts.rehash_if_outdated(user, password)
    old = request.cookies.get(svc.session_cookie)
    session_id = await svc.sessions.create(user.user_id, replacing=old)
    async with svc.container.db.platform() as conn:
        await conn.execute(
            text("UPDATE users SET last_login_at = now() WHERE user_id = :u"), {"u": user.user_id}
        )
    response = see_other(nxt or await start_url(svc, user))
    response.cookies.append(svc.session_cookie_for(session_id))
    return response


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
