"""What the web process holds, and how a route gets it. The lifespan builds one `Web` per process
(services/api/app.py, `build_web`); each of its fields is a dependency of the same name (`DEPENDENCIES`), so a
route names in its signature what it uses: `bus: Bus`, `clock: Clock`, `db: Database`, …"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

from litestar.datastructures import State
from litestar.di import Provide
from redis.asyncio import Redis

from application.bus import Bus
from domain.ports import Clock, TaskQueue
from infra.accounts import Accounts
from infra.api_tokens import ApiTokens
from infra.bootstrap import Container
from infra.codec import Codec
from infra.db import Database
from infra.desk import DeskQueries
from infra.health import Readiness
from infra.import_uploads import ImportUploads
from infra.invitations import Invitations
from infra.legacy_import import LegacyImporter
from infra.locations import Location
from infra.login_throttle import LoginThrottle
from infra.organisations import Organisations
from infra.partners import Partners
from infra.password_resets import PasswordResets, ResetThrottle
from infra.passwords import Passwords
from infra.sessions import SessionStore
from infra.settings import Settings
from infra.staff import Staff
from infra.wakeup import Waker
from services.api.inviting import Inviter
from services.api.sign_in import LoginCheck, SessionCookie, SignIn

Locations = Callable[[UUID], Awaitable[list[Location]]]  # a library's IDO locations
ReadinessCheck = Callable[[], Awaitable[Readiness]]  # PostgreSQL, Redis, migrations, the feed (/readyz)


@dataclass(frozen=True)
class Web:
    """The adapters of the web process, built once in the lifespan. Every field but `container` (the pools the
    lifespan closes) is the dependency of its name."""

    container: Container
    readiness: ReadinessCheck
    settings: Settings
    clock: Clock  # every "now" of the process
    db: Database  # the app role: one library's rows at a time (RLS)
    reader: Database  # the reader role: across libraries (POI, KB, sweeps)
    codec: Codec
    redis: Redis
    accounts: Accounts
    passwords: Passwords
    sessions: SessionStore
    session_cookie: SessionCookie
    throttle: LoginThrottle
    logins: LoginCheck  # a password checked behind the throttle
    sign_in: SignIn  # a fresh session after a checked password or link
    bus: Bus  # every command: forms, the JSON API, the CLI and the import (application/)
    waker: Waker  # wakes the projection workers (the bus does after each command that appended)
    tasks: TaskQueue  # work for the workers (the waker's wake-ups, the KB's national bundle)
    desk_queries: DeskQueries
    locations: Locations
    partners: Partners
    organisations: Organisations
    invitations: Invitations
    inviter: Inviter
    staff: Staff
    api_tokens: ApiTokens
    password_resets: PasswordResets
    reset_throttle: ResetThrottle
    uploads: ImportUploads
    importer: LegacyImporter


def web(state: State) -> Web:
    """The process's `Web` from the application's state (set by the lifespan): for the providers below, and for
    the middleware, which takes no dependencies."""
    return state.web


def _provide(name: str) -> Provide:
    def provide(state: State) -> Any:
        return getattr(web(state), name)

    provide.__name__ = f"provide_{name}"
    return Provide(provide, sync_to_thread=False)


DEPENDENCIES = {f.name: _provide(f.name) for f in fields(Web) if f.name != "container"}
