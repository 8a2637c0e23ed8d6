"""Accounts on the web, for the person themself: accepting an invitation, a forgotten password, changing the
password, and their own API tokens. Every way in ends in a fresh session."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import Provide
from litestar.response import Template

from domain.accounts import ROLE_LABELS, check_email
from domain.errors import DomainError
from domain.login_throttle import LoginThrottled
from domain.onboarding import API_TOKEN_ROLES, LinkState, check_new_password
from domain.ports import Clock
from domain.quarterly_mail import RECIPIENT_ROLES
from infra.notify import account_mail
from infra.platform.accounts import Accounts
from infra.platform.api_tokens import ApiTokens
from infra.platform.invitations import Invitation, Invitations
from infra.platform.login_throttle import LoginThrottle
from infra.platform.mail_preferences import MailPreferences
from infra.platform.password_resets import PasswordResets, ResetThrottle
from infra.platform.passwords import Passwords
from infra.platform.staff import Staff
from infra.settings import Settings
from services.api.accounts.inviting import form_values
from services.api.accounts.quarterly_mail import NOTICES
from services.api.scope import only
from services.api.sign_in import LoginCheck, SignIn
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


def _link_page(request: Request, kind: str, status: int, text: str) -> Template:
    return page(request, "accounts/link.html.j2", status=status, kind=kind, text=text)


# invitations


@dataclass(frozen=True)
class InvitationLinks:
    """What the pages of an invitation link read: the invitation, its state now, and the invitee's account."""

    invitations: Invitations
    accounts: Accounts
    clock: Clock

    async def open(self, request: Request, token: str) -> tuple[Invitation | None, Template | None]:
        """The invitation, and the page to show instead of its form when the link cannot be used (or None)."""
        inv = await self.invitations.find(token)
        if inv is None:
            return None, _link_page(request, "uitnodiging", 404, UNKNOWN)
        state = inv.state(self.clock())
        if state != LinkState.OPEN:
            return inv, _link_page(request, "uitnodiging", 410, GONE[state])
        if not inv.scope_active:
            return inv, _link_page(
                request, "uitnodiging", 410, "De bibliotheek van deze uitnodiging is niet meer actief."
            )
        existing = await self.accounts.user_by_email(inv.email)
        if existing and not existing.active:
            return inv, _link_page(
                request,
                "uitnodiging",
                403,
                "Dit account is uitgeschakeld. Neem contact op met uw coördinator.",
            )
        return inv, None

    async def form(
        self, request: Request, inv: Invitation, token: str, error: DomainError | None, status: int = 200
    ) -> Template:
        existing = await self.accounts.user_by_email(inv.email)
        return page(
            request,
            "accounts/invitation.html.j2",
            status=status,
            inv=inv,
            token=token,
            has_account=bool(existing and existing.password_hash),
            error=error,
        )


def invitation_links(invitations: Invitations, accounts: Accounts, clock: Clock) -> InvitationLinks:
    return InvitationLinks(invitations, accounts, clock)


INVITATION = {"links": Provide(invitation_links, sync_to_thread=False)}


@get("/uitnodiging/{token:str}", include_in_schema=False, dependencies=INVITATION)
async def invitation_page(request: Request, token: str, links: InvitationLinks) -> Template:
    inv, gone = await links.open(request, token)
    if gone:
        return gone
    return await links.form(request, inv, token, None)


@post("/uitnodiging/{token:str}", include_in_schema=False, dependencies=INVITATION)
async def accept_invitation(
    request: Request,
    token: str,
    links: InvitationLinks,
    logins: LoginCheck,
    passwords: Passwords,
    sign_in: SignIn,
) -> Response:
    inv, gone = await links.open(request, token)
    if gone:
        return gone
    data = await form_values(request)
    existing = await links.accounts.user_by_email(inv.email)
    password_hash = None
    if existing and existing.password_hash:
        if error := await _check_current(request, logins, existing, data.get("current", "")):
            return await links.form(
                request, inv, token, error, status=429 if isinstance(error, LoginThrottled) else 422
            )
    else:
        try:
            password = check_new_password(data.get("password", "")[:1024], data.get("repeat", "")[:1024])
        except DomainError as err:
            return await links.form(request, inv, token, err, status=422)
        password_hash = await passwords.hash_async(password)
    user_id = await links.invitations.accept(token, password_hash, links.clock())
    if user_id is None:
        return (await links.open(request, token))[1] or _link_page(
            request, "uitnodiging", 410, GONE[LinkState.USED]
        )
    return await sign_in(request, user_id)


async def _check_current(request: Request, logins: LoginCheck, user, current: str) -> DomainError | None:
    """The current password of a signed-up user, counted by the login throttle."""
    check = await logins.check(request, user.email, user.password_hash, current[:1024])
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
async def forgot(
    request: Request,
    reset_throttle: ResetThrottle,
    password_resets: PasswordResets,
    clock: Clock,
    settings: Settings,
) -> Template:
    """The same answer, after the same work, whether or not the address has an account."""
    raw = (await form_values(request)).get("email", "")[:254]
    try:
        email = check_email(raw)
    except DomainError as err:
        return page(request, "accounts/forgot.html.j2", status=422, error=err, email=raw, sent=None)
    address = request.client.host if request.client else "?"
    user_id = None
    if await reset_throttle.allow(email, address):
        token, user_id = await password_resets.request(email, clock())
    response = page(request, "accounts/forgot.html.j2", error=None, email="", sent=SENT)
    if user_id is not None:
        response.background = BackgroundTask(account_mail.send_reset_later, settings, email, token)
    return response


@get("/wachtwoord-herstellen/{token:str}", include_in_schema=False)
async def reset_page(request: Request, token: str, password_resets: PasswordResets, clock: Clock) -> Template:
    if gone := await _reset_gone(request, password_resets, clock, token):
        return gone
    return page(request, "accounts/reset.html.j2", token=token, error=None)


@post("/wachtwoord-herstellen/{token:str}", include_in_schema=False)
async def reset(
    request: Request,
    token: str,
    password_resets: PasswordResets,
    clock: Clock,
    passwords: Passwords,
    throttle: LoginThrottle,
    accounts: Accounts,
    sign_in: SignIn,
) -> Response:
    """A new password ends every session of the user; this browser gets a fresh one."""
    if gone := await _reset_gone(request, password_resets, clock, token):
        return gone
    data = await form_values(request)
    try:
        password = check_new_password(data.get("password", "")[:1024], data.get("repeat", "")[:1024])
    except DomainError as err:
        return page(request, "accounts/reset.html.j2", status=422, token=token, error=err)
    user_id = await password_resets.consume(token, await passwords.hash_async(password), clock())
    if user_id is None:
        gone = await _reset_gone(request, password_resets, clock, token)
        return gone or _link_page(request, "herstel", 410, GONE[LinkState.USED])
    await throttle.clear((await accounts.user_by_id(user_id)).email)
    return await sign_in(request, user_id, end_all=True)


async def _reset_gone(
    request: Request, password_resets: PasswordResets, clock: Clock, token: str
) -> Template | None:
    link = await password_resets.find(token)
    if link is None or not link.user_active:
        return _link_page(request, "herstel", 404, UNKNOWN)
    state = link.state(clock())
    return _link_page(request, "herstel", 410, GONE[state]) if state != LinkState.OPEN else None


# the signed-in user's own account


@get("/account", include_in_schema=False)
async def account_page(request: Request, mail_preferences: MailPreferences) -> Template:
    w = require_who(request)
    notices = {
        "wachtwoord": "Uw wachtwoord is gewijzigd. Op uw andere apparaten bent u uitgelogd.",
        **NOTICES,
    }
    roles = sorted({ROLE_LABELS[r] for r in w.roles()})
    # the kwartaaloverzicht's checkbox, for those who get it (None: not shown)
    quarterly = await mail_preferences.quarterly(w.user_id) if w.roles() & RECIPIENT_ROLES else None
    return page(
        request,
        "accounts/account.html.j2",
        roles=roles,
        tokens=bool(w.roles() & API_TOKEN_ROLES),
        notice=notices.get(request.query_params.get("melding") or ""),
        quarterly=quarterly,
    )


@get("/account/wachtwoord", include_in_schema=False)
async def password_page(request: Request) -> Template:
    require_who(request)
    return page(request, "accounts/password.html.j2", error=None)


@post("/account/wachtwoord", include_in_schema=False)
async def change_password(
    request: Request, logins: LoginCheck, passwords: Passwords, staff: Staff, sign_in: SignIn
) -> Response:
    w = require_who(request)
    data = await form_values(request)
    error = await _check_current(request, logins, w.user, data.get("current", ""))
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
    await staff.set_password(w.user_id, await passwords.hash_async(password))
    return await sign_in(request, w.user_id, end_all=True, to="/account?melding=wachtwoord")


# API tokens


TOKEN_OWNERS = only(*API_TOKEN_ROLES, message="API-tokens zijn er voor coördinatoren en analisten van de KB.")


async def _tokens_page(request: Request, api_tokens: ApiTokens, status: int = 200, **extra) -> Template:
    w = require_who(request)
    tokens = await api_tokens.of_user(w.user_id)
    ctx = {"tokens": tokens, "new_token": None, "error": None, "message": None, "name": "", **extra}
    return page(request, "accounts/tokens.html.j2", "accounts/partials/_tokens.html.j2", status=status, **ctx)


@get("/account/tokens", include_in_schema=False, guards=[TOKEN_OWNERS])
async def tokens_page(request: Request, api_tokens: ApiTokens) -> Template:
    message = "Het token is ingetrokken." if request.query_params.get("melding") == "ingetrokken" else None
    return await _tokens_page(request, api_tokens, message=message)


@post("/account/tokens", include_in_schema=False, guards=[TOKEN_OWNERS])
async def create_token(request: Request, api_tokens: ApiTokens) -> Template:
    """The answer shows the token once; it is not a redirect, so the token never lands in a URL or history."""
    w = require_who(request)
    name = (await form_values(request)).get("name", "")[:200]
    try:
        token = await api_tokens.create(w.user_id, name)
    except DomainError as err:
        return await _tokens_page(request, api_tokens, status=422, error=err, name=name)
    return await _tokens_page(request, api_tokens, new_token=token)


@post("/account/tokens/{token_id:uuid}/intrekken", include_in_schema=False, guards=[TOKEN_OWNERS])
async def revoke_token(request: Request, token_id: UUID, api_tokens: ApiTokens) -> Response:
    w = require_who(request)
    if not await api_tokens.revoke(w.user_id, token_id):
        error = DomainError("Dit token bestaat niet (meer).")
        return await _tokens_page(request, api_tokens, status=404, error=error)
    if request.headers.get("hx-request") == "true":
        return await _tokens_page(request, api_tokens, message="Het token is ingetrokken.")
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
