"""Whether a user gets the kwartaaloverzicht by e-mail (on unless turned off), set on their account page or through
the signed link in the mail itself, which works without logging in. The link names the user and is signed with
SECRET_KEY; it does not expire (an old mail's link still turns the mail off), and a new SECRET_KEY voids it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from uuid import UUID

from sqlalchemy import text

from infra.store.db import Database

_PURPOSE = b"kwartaaloverzicht-afmelden:"
_TOKEN = re.compile(r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{22}$")


def _mac(secret: str, user_id: UUID) -> str:
    digest = hmac.new(secret.encode(), _PURPOSE + user_id.bytes, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(secret: str, user_id: UUID) -> str:
    """The token of the user's opt-out link."""
    return f"{user_id.hex}.{_mac(secret, user_id)}"


def user_of_token(secret: str, token: str) -> UUID | None:
    """The user a token was signed for; None for anything else (malformed, altered, another secret)."""
    if not _TOKEN.match(token):
        return None
    user_id = UUID(hex=token[:32])
    return user_id if hmac.compare_digest(token, unsubscribe_token(secret, user_id)) else None


class MailPreferences:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def quarterly(self, user_id: UUID) -> bool | None:
        """Whether the user gets the kwartaaloverzicht; None for no such user."""
        async with self.db.platform() as conn:
            return (
                await conn.execute(
                    text("SELECT quarterly_mail FROM users WHERE user_id = :u"), {"u": user_id}
                )
            ).scalar()

    async def set_quarterly(self, user_id: UUID, on: bool, now: datetime) -> bool:
        """Turn the mail on or off; turning it on notes `now`, so that no quarter that passed is sent. Answers
        whether the user exists."""
        async with self.db.platform() as conn:
            done = await conn.execute(
                text(
                    "UPDATE users SET quarterly_mail = :on, quarterly_mail_since = CASE "
                    "WHEN :on AND NOT quarterly_mail THEN :now ELSE quarterly_mail_since END "
                    "WHERE user_id = :u"
                ),
                {"u": user_id, "on": on, "now": now},
            )
        return done.rowcount == 1
