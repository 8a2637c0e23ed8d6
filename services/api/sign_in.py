"""Signing in: the session cookie, password checks behind the login throttle (logging in, and the current
password where a form asks for it), a fresh session, and the start page per role."""

from __future__ import annotations

import math
from dataclasses import dataclass
from uuid import UUID

from litestar import Request, Response
from litestar.datastructures import Cookie

from domain.accounts import Role
from domain.first_run import Guide
from domain.login_throttle import failure_notice, refusal
from domain.ports import Clock
from infra.platform.accounts import Accounts, User
from infra.platform.login_throttle import LoginThrottle
from infra.platform.passwords import Passwords
from infra.platform.sessions import ABSOLUTE_SECONDS, SessionStore
from infra.queries.first_run import guide_facts
from infra.store.db import Database
from services.api.web import see_other


@dataclass(frozen=True)
class SessionCookie:
    """The browser's session cookie: `__Host-` and Secure over HTTPS."""

    secure: bool

    @property
    def name(self) -> str:
        return "__Host-ido_session" if self.secure else "ido_session"

    def issue(self, session_id: str) -> Cookie:
        return self._cookie(session_id, ABSOLUTE_SECONDS)

    def expired(self) -> Cookie:
        return self._cookie("", 0)

    def _cookie(self, value: str, max_age: int) -> Cookie:
        return Cookie(
            key=self.name,
            value=value,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
            max_age=max_age,
        )


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


@dataclass(frozen=True)
class LoginCheck:
    """The throttle, the password hashes and the clock a password check needs (a dependency of the routes)."""

    throttle: LoginThrottle
    passwords: Passwords
    clock: Clock

    async def check(
        self, request: Request, email: str, password_hash: str | None, password: str, usable: bool = True
    ) -> PasswordCheck:
        """One password check, reserved with the login throttle before it is made; unknown and unusable
        accounts are checked against a dummy hash and counted alike, so the answers tell nothing about the
        account."""
        address = request.client.host if request.client else "?"
        now = self.clock()
        attempt = await self.throttle.reserve(email, address, now)
        if not attempt.allowed:
            wait = math.ceil(((attempt.retry_at or now) - now).total_seconds())
            return PasswordCheck(False, refused=refusal(attempt, now), retry_after=max(wait, 1))
        if await self.passwords.verify_async(password_hash, password) and usable:
            await self.throttle.succeeded(email, address, attempt)
            return PasswordCheck(True)
        return PasswordCheck(False, notice=failure_notice(attempt, self.throttle.policy, now))


@dataclass(frozen=True)
class SignIn:
    """A fresh session for a user whose password or link was just checked."""

    accounts: Accounts
    sessions: SessionStore
    cookie: SessionCookie
    db: Database  # the coordinator's start page depends on their library's first-run guide

    async def __call__(
        self, request: Request, user_id: UUID, *, end_all: bool = False, to: str | None = None
    ) -> Response:
        """A new session id (never the one the browser brought), optionally after ending all the user's
        others; off to `to` or the user's start page."""
        if end_all:
            await self.sessions.destroy_all(user_id)
        session_id = await self.sessions.create(user_id, replacing=request.cookies.get(self.cookie.name))
        user = await self.accounts.user_by_id(user_id)
        response = see_other(to or await start_url(self.accounts, user, self.db))
        response.cookies.append(self.cookie.issue(session_id))
        return response


async def start_url(accounts: Accounts, user: User, db: Database) -> str:
    """Desk staff land on their desk, coordinators too once their library's first-run guide is done (before,
    on the guide); the others on their own overview."""
    roles = {m.role for m in user.memberships}
    if Role.PLATFORM_ADMIN in roles:
        return "/beheer"
    if Role.KB_ANALYST in roles:
        return "/kb"
    if Role.POI_ADVISER in roles:
        return "/poi"
    first = next(m for m in user.memberships if m.tenant_id)
    slug = (await accounts.tenant_by_id(first.tenant_id)).slug
    coordinator = any(m.role == Role.COORDINATOR and m.tenant_id == first.tenant_id for m in user.memberships)
    if coordinator and not Guide.of(await guide_facts(db, first.tenant_id)).done:
        return f"/t/{slug}/aan-de-slag"
    return f"/t/{slug}/balie"
