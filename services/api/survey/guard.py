"""What keeps scripted floods off the public survey besides the rate limit: a signed form token (the day, the
link and a random nonce: a token works once — its nonce is the answer's idempotency key — and only on the day it
was given) and the device's cookie, which says "this survey was filled in here today" and nothing else. Both are
HMACs with the app's secret; neither is stored on the server (docs/decisions.md says why the cookie is no
personal data)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date

from domain.errors import DomainError

COOKIE = "ido_enquete"
_TOKEN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.([A-Za-z0-9_-]{16,64})\.([0-9a-f]{32})$")
EXPIRED = "Dit formulier is verlopen of niet geldig. Kijk uw antwoorden na en verstuur het opnieuw."


def _sign(secret: str, *parts: str) -> str:
    return hmac.new(secret.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def form_token(secret: str, slug: str, link: str, day: date) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{day.isoformat()}.{nonce}.{_sign(secret, 'survey-form', slug, link, day.isoformat(), nonce)}"


def check_form_token(secret: str, token: str, slug: str, link: str, today: date) -> str:
    """The token's nonce, if it was given for this link today. Raises: DomainError (field `token`)."""
    m = _TOKEN.match(token or "")
    if m is None or m.group(1) != today.isoformat():
        raise DomainError(EXPIRED, field="token")
    day, nonce, signature = m.groups()
    if not hmac.compare_digest(signature, _sign(secret, "survey-form", slug, link, day, nonce)):
        raise DomainError(EXPIRED, field="token")
    return nonce


def device_cookie(secret: str, slug: str, link: str, day: date) -> str:
    """The same value on every device that filled in this link's survey that day."""
    return f"{day.isoformat()}.{_sign(secret, 'survey-device', slug, link, day.isoformat())}"


def answered_today(secret: str, value: str | None, slug: str, link: str, today: date) -> bool:
    return bool(value) and hmac.compare_digest(value or "", device_cookie(secret, slug, link, today))
