"""What the web process holds, and how a route gets it. The lifespan builds one `Web` per process
(services/api/app.py, `build_web`); each of its fields is a dependency of the same name (`DEPENDENCIES`), so a
route names in its signature what it uses: `bus: Bus`, `clock: Clock`, `db: Database`, … A controller that uses
several names them as the fields of one dataclass, `parts: Parts`, provided by `picked(Parts)`."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar
from uuid import UUID

from litestar.datastructures import State
from litestar.di import Provide
from redis.asyncio import Redis

from application.bus import Bus
from domain.ports import Clock, TaskQueue
from infra.bootstrap import Container
from infra.imports.import_uploads import ImportUploads
from infra.notify.wakeup import Waker
from infra.platform.accounts import Accounts
from infra.platform.api_tokens import ApiTokens
from infra.platform.invitations import Invitations
from infra.platform.login_throttle import LoginThrottle
from infra.platform.mail_preferences import MailPreferences
from infra.platform.organisations import Organisations
from infra.platform.partners import Partners
from infra.platform.password_resets import PasswordResets, ResetThrottle
from infra.platform.passwords import Passwords
from infra.platform.sessions import SessionStore
from infra.platform.staff import Staff
from infra.platform.survey_throttle import SurveyThrottle
from infra.queries.desk import DeskQueries
from infra.queries.health import Readiness
from infra.queries.locations import Location
from infra.settings import Settings
from infra.store.codec import Codec
from infra.store.db import Database
from services.api.accounts.inviting import Inviter
from services.api.sign_in import LoginCheck, SessionCookie, SignIn
from services.importing import LegacyImporter

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
    survey_throttle: SurveyThrottle  # the public survey's rate limit per address
    mail_preferences: MailPreferences  # whether a user gets the kwartaaloverzicht by e-mail


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


def resolve_in_turn() -> None:
    """Have Litestar resolve a route's dependencies one after the other. It resolves those of one level (the
    `Web` fields a route names, then what depends on them) in an anyio task group, a task each, which cost a
    desk registration about 8 % of its instructions (litestar-org/litestar#4563, docs/decisions.md) for
    providers that only read a field or, like the tenant check, make one query that nothing else waits for.
    The dependencies of one level do not depend on each other, so each level's order is free; levels keep
    theirs. Raises RuntimeError when Litestar's internals no longer look as expected (tests/unit/test_deps.py)."""
    from litestar._kwargs.cleanup import DependencyCleanupGroup
    from litestar._kwargs.dependencies import resolve_dependency
    from litestar._kwargs.kwargs_model import KwargsModel

    expected = {
        KwargsModel.resolve_dependencies: ["self", "connection", "kwargs"],
        resolve_dependency: ["dependency", "connection", "kwargs", "cleanup_group"],
    }
    if "dependency_batches" not in KwargsModel.__slots__ or any(
        list(inspect.signature(f).parameters) != names for f, names in expected.items()
    ):
        raise RuntimeError(
            "Litestar's dependency resolution has changed: check services.api.deps.resolve_in_turn"
        )

    async def resolve_dependencies(
        self: KwargsModel, connection: Any, kwargs: dict[str, Any]
    ) -> DependencyCleanupGroup:
        cleanup_group = DependencyCleanupGroup()
        for batch in self.dependency_batches:
            for dependency in batch:
                await resolve_dependency(dependency, connection, kwargs, cleanup_group)
        return cleanup_group

    KwargsModel.resolve_dependencies = resolve_dependencies  # type: ignore[method-assign]


T = TypeVar("T")


def picked(parts: type[T]) -> Provide:
    """The dependency of dataclass `parts`, whose fields are fields of `Web` with the same names: what one
    controller uses, picked from the process's `Web` in one step. Litestar resolves and checks every dependency
    apart; naming each of a controller's five or six adapters as a dependency of its own cost a desk
    registration 4 % of its instructions (docs/decisions.md)."""
    names = [f.name for f in fields(parts)]  # type: ignore[arg-type]
    missing = [n for n in names if n not in DEPENDENCIES]
    if missing:
        raise TypeError(f"{parts.__name__}: no such field of Web: {', '.join(missing)}")

    def provide(state: State) -> T:
        w = web(state)
        return parts(*(getattr(w, n) for n in names))

    provide.__name__ = f"provide_{parts.__name__}"
    return Provide(provide, sync_to_thread=False)
