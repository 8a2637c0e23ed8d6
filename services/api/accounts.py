"""Accounts on the web, for the person themself: accepting an invitation, a forgotten password, changing the
password, and their own API tokens. Every way in ends in a fresh session."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from domain.accounts import ROLE_LABELS, check_email
from domain.errors import DomainError
from domain.login_throttle import LoginThrottled
from domain.onboarding import API_TOKEN_ROLES, LinkState, check_new_password
from infra.notify import account_mail
from infra.platform.api_tokens import ApiTokens
from infra.platform.password_resets import PasswordResets, ResetThrottle
from infra.platform.staff import Staff
from services.api.auth import check_password, start_url
from services.api.inviting import form_values, invitations
from services.api.web import page, require_who, see_other

GONE = {
    LinkState.USED: "Deze link is al gebruikt. Log in met uw e-mailadres en wachtwoord.",
    LinkState.EXPIRED: "Deze link is verlopen. Vraag om een nieuwe.",
    LinkState.REVOKED: "Deze link is vervangen door een nieuwere of ingetrokken. Gebruik de link uit de nieuwste e-mail.",
}
UNKNOWN = "Deze link kennen we niet. Controleer of u de hele link uit de e-mail heeft overgenomen."
SENT = (
    "Als er een account bij dit e-mailadres hoort, hebben we er een e-mail heen gestuurd met een link om een nieuw "
    "wachtwoord te kiezen. De link is een uur geldig. Geen e-mail gekregen? Kijk ook bij de ongewenste e-mail, "
    "of probeer het later opnieuw."
)


def _svc(request: Request):
    return request.app.state.services


def _link_page(request: Request, kind: str, status: int, text: str) -> Template:
    return page(request, "accounts/link.html.j2", status=status, kind=kind, text=text)


async def signed_in(
    request: Request, user_id: UUID, *, end_all: bool = False, to: str | None = None
) -> Response:
    """A new session id (never the one the browser brought), optionally after ending all the user's others."""
    svc = _svc(request)
    if end_all:
        await svc.sessions.destroy_all(user_id)
    session_id = await svc.sessions.create(user_id, replacing=request.cookies.get(svc.session_cookie))
    user = await svc.accounts.user_by_id(user_id)
    response = see_other(to or await start_url(svc, user))
    response.cookies.append(svc.session_cookie_for(session_id))
    return response


# invitations


@get("/uitnodiging/{token:str}", include_in_schema=False)
async def invitation_page(request: Request, token: str) -> Template:
    inv, gone = await _open_invitation(request, token)
    if gone:
        return gone
    return await _invitation_form(request, inv, token, None)


@post("/uitnodiging/{token:str}", include_in_schema=False)
async def accept_invitation(request: Request, token: str) -> Response:
    svc = _svc(request)
    inv, gone = await _open_invitation(request, token)
    if gone:
        return gone
    data = await form_values(request)
    existing = await svc.accounts.user_by_email(inv.email)
    password_hash = None
    if existing and existing.password_hash:
        if error := await _check_current(request, existing, data.get("current", "")):
            return await _invitation_form(
                request, inv, token, error, status=429 if isinstance(error, LoginThrottled) else 422
            )
    else:
        try:
            password = check_new_password(data.get("password", "")[:1024], data.get("repeat", "")[:1024])
        except DomainError as err:
            return await _invitation_form(request, inv, token, err, status=422)
        password_hash = await _svc(request).passwords.hash_async(password)
    user_id = await invitations(request).accept(token, password_hash, _svc(request).clock())
    if user_id is None:
        return (await _open_invitation(request, token))[1] or _link_page(
            request, "uitnodiging", 410, GONE[LinkState.USED]
        )
    return await signed_in(request, user_id)


async def _open_invitation(request: Request, token: str):
    inv = await invitations(request).find(token)
    if inv is None:
        return None, _link_page(request, "uitnodiging", 404, UNKNOWN)
    state = inv.state(_svc(request).clock())
    if state != LinkState.OPEN:
        return inv, _link_page(request, "uitnodiging", 410, GONE[state])
    if not inv.scope_active:
        return inv, _link_page(
            request, "uitnodiging", 410, "De bibliotheek van deze uitnodiging is niet meer actief."
        )
    existing = await _svc(request).accounts.user_by_email(inv.email)
    if existing and not existing.active:
        return inv, _link_page(
            request, "uitnodiging", 403, "Dit account is uitgeschakeld. Neem contact op met uw coördinator."
        )
    return inv, None


async def _invitation_form(
    request: Request, inv, token: str, error: DomainError | None, status: int = 200
) -> Template:
    existing = await _svc(request).accounts.user_by_email(inv.email)
    return page(
        request,
        "accounts/invitation.html.j2",
        status=status,
        inv=inv,
        token=token,
        has_account=bool(existing and existing.password_hash),
        error=error,
    )


async def _check_current(request: Request, user, current: str) -> DomainError | None:
    """The current password of a signed-up user, counted by the login throttle."""
    check = await check_password(request, user.email, user.password_hash, current[:1024])
    if check.refused:
        return LoginThrottled(check.refused, field="current")
    if not check.ok:
        return DomainError(
            " ".join(filter(None, ("Dit wachtwoord klopt niet.", check.notice))), field="current"
        )
    return None


# forgotten password


@get("/wachtwoord-vergeten", include_in_schema=False)
async def forgot_page(request: Request) -> Template:
    return page(request, "accounts/forgot.html.j2", error=None, email="", sent=None)


@post("/wachtwoord-vergeten", include_in_schema=False)
async def forgot(request: Request) -> Template:
    """The same answer, after the same work, whether or not the address has an account."""
    svc = _svc(request)
    raw = (await form_values(request)).get("email", "")[:254]
    try:
        email = check_email(raw)
    except DomainError as err:
        return page(request, "accounts/forgot.html.j2", status=422, error=err, email=raw, sent=None)
    address = request.client.host if request.client else "?"
    user_id = None
    if await ResetThrottle(svc.redis).allow(email, address):
        token, user_id = await PasswordResets(svc.container.db).request(email, svc.clock())
    response = page(request, "accounts/forgot.html.j2", error=None, email="", sent=SENT)
    if user_id is not None:
        response.background = BackgroundTask(account_mail.send_reset_later, svc.settings, email, token)
    return response


@get("/wachtwoord-herstellen/{token:str}", include_in_schema=False)
async def reset_page(request: Request, token: str) -> Template:
    if gone := await _reset_gone(request, token):
        return gone
    return page(request, "accounts/reset.html.j2", token=token, error=None)


@post("/wachtwoord-herstellen/{token:str}", include_in_schema=False)
async def reset(request: Request, token: str) -> Response:
    """A new password ends every session of the user; this browser gets a fresh one."""
    svc = _svc(request)
    if gone := await _reset_gone(request, token):
        return gone
    data = await form_values(request)
    try:
        password = check_new_password(data.get("password", "")[:1024], data.get("repeat", "")[:1024])
    except DomainError as err:
        return page(request, "accounts/reset.html.j2", status=422, token=token, error=err)
    user_id = await PasswordResets(svc.container.db).consume(
        token, await _svc(request).passwords.hash_async(password), svc.clock()
    )
    if user_id is None:
        return await _reset_gone(request, token) or _link_page(request, "herstel", 410, GONE[LinkState.USED])
    await svc.throttle.clear((await svc.accounts.user_by_id(user_id)).email)
    return await signed_in(request, user_id, end_all=True)


async def _reset_gone(request: Request, token: str) -> Template | None:
    link = await PasswordResets(_svc(request).container.db).find(token)
    if link is None or not link.user_active:
        return _link_page(request, "herstel", 404, UNKNOWN)
    state = link.state(_svc(request).clock())
    return _link_page(request, "herstel", 410, GONE[state]) if state != LinkState.OPEN else None


# the signed-in user's own account


@get("/account", include_in_schema=False)
async def account_page(request: Request) -> Template:
    w = require_who(request)
    notice = (
        "Uw wachtwoord is gewijzigd. Op uw andere apparaten bent u uitgelogd."
        if request.query_params.get("melding") == "wachtwoord"
        else None
    )
    roles = sorted({ROLE_LABELS[r] for r in w.roles()})
    return page(
        request,
        "accounts/account.html.j2",
        roles=roles,
        tokens=bool(w.roles() & API_TOKEN_ROLES),
        notice=notice,
    )


@get("/account/wachtwoord", include_in_schema=False)
async def password_page(request: Request) -> Template:
    require_who(request)
    return page(request, "accounts/password.html.j2", error=None)


@post("/account/wachtwoord", include_in_schema=False)
async def change_password(request: Request) -> Response:
    svc = _svc(request)
    w = require_who(request)
    data = await form_values(request)
    error = await _check_current(request, w.user, data.get("current", ""))
    if error is None:
        try:
            password = check_new_password(
                data.get("password", "")[:1024], data.get("repeat", "")[:1024], data.get("current", "")
            )
        except DomainError as err:
            error = err
    if error is not None:
        status = 429 if isinstance(error, LoginThrottled) else 422
        return page(request, "accounts/password.html.j2", status=status, error=error)
    await Staff(svc.container.db, svc.sessions).set_password(
        w.user_id, await _svc(request).passwords.hash_async(password)
    )
    return await signed_in(request, w.user_id, end_all=True, to="/account?melding=wachtwoord")


# API tokens


def _token_owner(request: Request):
    w = require_who(request)
    if not w.roles() & API_TOKEN_ROLES:
        raise PermissionDeniedException("API-tokens zijn er voor coördinatoren en analisten van de KB.")
    return w


async def _tokens_page(request: Request, status: int = 200, **extra) -> Template:
    w = _token_owner(request)
    tokens = await ApiTokens(_svc(request).container.db).of_user(w.user_id)
    ctx = {"tokens": tokens, "new_token": None, "error": None, "message": None, "name": "", **extra}
    return page(request, "accounts/tokens.html.j2", "accounts/partials/_tokens.html.j2", status=status, **ctx)


@get("/account/tokens", include_in_schema=False)
async def tokens_page(request: Request) -> Template:
    message = "Het token is ingetrokken." if request.query_params.get("melding") == "ingetrokken" else None
    return await _tokens_page(request, message=message)


@post("/account/tokens", include_in_schema=False)
async def create_token(request: Request) -> Template:
    """The answer shows the token once; it is not a redirect, so the token never lands in a URL or history."""
    w = _token_owner(request)
    name = (await form_values(request)).get("name", "")[:200]
    try:
        token = await ApiTokens(_svc(request).container.db).create(w.user_id, name)
    except DomainError as err:
        return await _tokens_page(request, status=422, error=err, name=name)
    return await _tokens_page(request, new_token=token)


@post("/account/tokens/{token_id:uuid}/intrekken", include_in_schema=False)
async def revoke_token(request: Request, token_id: UUID) -> Response:
    w = _token_owner(request)
    if not await ApiTokens(_svc(request).container.db).revoke(w.user_id, token_id):
        return await _tokens_page(request, status=404, error=DomainError("Dit token bestaat niet (meer)."))
    if request.headers.get("hx-request") == "true":
        return await _tokens_page(request, message="Het token is ingetrokken.")
    return see_other("/account/tokens?melding=ingetrokken")


ROUTES = [
    invitation_page,
    accept_invitation,
    forgot_page,
    forgot,
    reset_page,
    reset,
    account_page,
    password_page,
    change_password,
    tokens_page,
    create_token,
    revoke_token,
]
