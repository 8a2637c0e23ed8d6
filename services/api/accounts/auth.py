"""Log in, log out, log out everywhere; the start page per role."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import text

from domain.ports import Clock
from infra.platform.accounts import Accounts
from infra.platform.sessions import SessionStore
from infra.store.db import Database
from services.api.sign_in import LoginCheck, SessionCookie, start_url
from services.api.web import page, require_who, see_other, who

FAILED = "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord."
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


LOGGED_OUT = "U bent uitgelogd."
EXPIRED = "Uw sessie is verlopen. Log opnieuw in."
SIGN_IN_FIRST = "Log in om verder te gaan."


@get("/login", include_in_schema=False)
async def login_page(request: Request, next: str = "", verlopen: str = "", uitgelogd: str = "") -> Template:
    """Why the login page shows: after logging out, for an expired session (the browser still had its cookie,
    errors.http_error), or for a page asked for without logging in."""
    reason = LOGGED_OUT if uitgelogd else EXPIRED if verlopen else SIGN_IN_FIRST if next else None
    return page(request, "auth/login.html.j2", error=None, notice=reason, email="", next=_safe_next(next))


@post("/login", include_in_schema=False)
async def login(
    request: Request,
    data: Form,
    accounts: Accounts,
    logins: LoginCheck,
    sessions: SessionStore,
    session_cookie: SessionCookie,
    db: Database,
    clock: Clock,
) -> Response:
    email = str(data.get("email", "")).strip().lower()[:254]
    password = str(data.get("password", ""))[:1024]
    nxt = _safe_next(str(data.get("next", "")))
    user = await accounts.user_by_email(email) if email else None
    usable = user is not None and user.active and bool(user.memberships)
    check = await logins.check(request, email, user.password_hash if user else None, password, usable)
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
    await accounts.rehash_if_outdated(user, password)
    session_id = await sessions.create(user.user_id, replacing=request.cookies.get(session_cookie.name))
    async with db.platform() as conn:
        await conn.execute(
            text("UPDATE users SET last_login_at = :now WHERE user_id = :u"),
            {"u": user.user_id, "now": clock()},
        )
    response = see_other(nxt or await start_url(accounts, user, db))
    response.cookies.append(session_cookie.issue(session_id))
    return response


@post("/logout", include_in_schema=False)
async def logout(request: Request, sessions: SessionStore, session_cookie: SessionCookie) -> Redirect:
    w = who(request)
    if w and w.session_id:
        await sessions.destroy(w.session_id)
    return _logged_out(session_cookie)


@post("/logout-everywhere", include_in_schema=False)
async def logout_everywhere(
    request: Request, sessions: SessionStore, session_cookie: SessionCookie
) -> Redirect:
    w = require_who(request)
    await sessions.destroy_all(w.user_id)
    return _logged_out(session_cookie)


def _logged_out(session_cookie: SessionCookie) -> Redirect:
    response = see_other("/login?uitgelogd=1")
    response.cookies.append(session_cookie.expired())
    return response


@get("/", include_in_schema=False)
async def home(request: Request, accounts: Accounts, db: Database) -> Redirect:
    w = who(request)
    if w is None:
        return see_other("/login")
    return see_other(await start_url(accounts, w.user, db))


def _safe_next(nxt: str) -> str:
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else ""
