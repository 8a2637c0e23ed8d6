"""The kwartaaloverzicht by e-mail, for the person themself (docs/quarterly-mail.md): on or off on their account
page, and off through the signed link in the mail, which works without logging in. The link's GET only asks;
its form's POST turns the mail off. Turning it on again sends no quarter that passed."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Template

from domain.ports import Clock
from infra.platform.accounts import Accounts, User
from infra.platform.mail_preferences import MailPreferences, user_of_token
from infra.settings import Settings
from services.api.accounts.inviting import form_values
from services.api.web import page, require_who, see_other

FIELD = "kwartaaloverzicht"
NOTICES = {
    "kwartaal-aan": "U krijgt het kwartaaloverzicht per e-mail, vanaf het volgende kwartaal dat afloopt.",
    "kwartaal-uit": "U krijgt het kwartaaloverzicht niet meer per e-mail.",
}
TEMPLATE = "accounts/unsubscribe.html.j2"


@post("/account/kwartaaloverzicht", include_in_schema=False)
async def set_quarterly(request: Request, mail_preferences: MailPreferences, clock: Clock) -> Response:
    """The checkbox of the account page: ticked is on, anything else off (an unticked box sends nothing)."""
    w = require_who(request)
    on = (await form_values(request)).get(FIELD) == "1"
    await mail_preferences.set_quarterly(w.user_id, on, clock())
    return see_other(f"/account?melding={'kwartaal-aan' if on else 'kwartaal-uit'}#kwartaaloverzicht")


async def _user(token: str, settings: Settings, accounts: Accounts) -> User | None:
    user_id = user_of_token(settings.secret_key, token)
    return await accounts.user_by_id(user_id) if user_id else None


def _unknown(request: Request) -> Template:
    return page(request, TEMPLATE, status=404, state="onbekend", email="", token="")


@get("/kwartaaloverzicht/afmelden/{token:str}", include_in_schema=False)
async def unsubscribe_page(
    request: Request, token: str, settings: Settings, accounts: Accounts, mail_preferences: MailPreferences
) -> Template:
    user = await _user(token, settings, accounts)
    if user is None:
        return _unknown(request)
    on = await mail_preferences.quarterly(user.user_id)
    return page(request, TEMPLATE, state="vragen" if on else "al-uit", email=user.email, token=token)


@post("/kwartaaloverzicht/afmelden/{token:str}", include_in_schema=False)
async def unsubscribe(
    request: Request,
    token: str,
    settings: Settings,
    accounts: Accounts,
    mail_preferences: MailPreferences,
    clock: Clock,
) -> Template:
    user = await _user(token, settings, accounts)
    if user is None:
        return _unknown(request)
    await mail_preferences.set_quarterly(user.user_id, False, clock())
    return page(request, TEMPLATE, state="uit", email=user.email, token=token)


ROUTES = [set_quarterly, unsubscribe_page, unsubscribe]
