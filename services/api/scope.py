"""Who may reach what. `library(*roles)` is the one tenant check: the dependency that answers which library a
request is about, for a user who reaches it in one of `roles`; for anyone else the library does not exist (404).
`only(*roles)` guards the pages of one role (the POI's, the KB's, the platform admin's): 403 for the others."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from domain.accounts import TENANT_ROLES, Role
from domain.errors import Forbidden, NotFound
from infra.platform.accounts import Accounts, Tenant
from services.api.web import Who, log_tenant, require_who


@dataclass(frozen=True)
class Library:
    tenant: Tenant
    who: Who
    roles: frozenset[Role]  # the roles in which the user reaches it (of those the route takes)

    @property
    def tenant_id(self):
        return self.tenant.tenant_id

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def is_coordinator(self) -> bool:
        return Role.COORDINATOR in self.roles


def reach(who: Who, tenant: Tenant) -> frozenset[Role]:
    """The roles in which `who` reaches the library: its desk staff and coordinators, the advisers of its POI,
    and the KB's analysts (every library)."""
    return frozenset(
        m.role
        for m in who.user.memberships
        if (m.role in TENANT_ROLES and m.tenant_id == tenant.tenant_id)
        or (m.role == Role.POI_ADVISER and m.poi_id == tenant.poi_id)
        or m.role == Role.KB_ANALYST
    )


def library(*roles: Role, forbidden: str | None = None) -> Provide:
    """The dependency `Library` of the path's `slug`, for a user who reaches it in one of `roles`. A library
    that does not exist, is inactive or that the user reaches in none of `roles` is a 404, the same for each;
    with `forbidden`, a user who works at the library in another role is told so instead (403)."""
    taken = frozenset(roles)

    async def scope(request: Request, slug: str, accounts: Accounts) -> Library:
        w = require_who(request)
        prefetched = request.scope.get("ido_library")  # read with the user (middleware.authentication)
        if prefetched is not None and prefetched[0] == slug:
            tenant = prefetched[1]
            if tenant is None:
                raise NotFoundException()
        else:
            try:
                tenant = await accounts.tenant_by_slug(slug)
            except NotFound:  # its message names the slug: a library that is not yours is a bare 404
                raise NotFoundException() from None
        request.scope["ido_tenant_id"] = str(tenant.tenant_id)  # type: ignore[typeddict-unknown-key]
        structlog.contextvars.bind_contextvars(**log_tenant(request.scope))
        held = reach(w, tenant)
        if tenant.active and held & taken:
            return Library(tenant, w, held & taken)
        if tenant.active and forbidden and held & TENANT_ROLES:
            raise Forbidden(forbidden)
        raise NotFoundException()

    return Provide(scope)


STAFF = library(Role.DESK, Role.COORDINATOR)  # the desk and what it leads to (courses)
COORDINATOR = library(Role.COORDINATOR, forbidden="Deze pagina is voor de coördinator van de bibliotheek.")


def only(*roles: Role, message: str) -> Guard:
    """A guard: the route is for users with one of `roles` (in any library or POI); 403 `message` for others."""
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if not require_who(connection).roles() & allowed:
            raise Forbidden(message)

    return guard


POI_ADVISERS = only(Role.POI_ADVISER, message="Deze pagina is voor POI-adviseurs.")
KB_ANALYSTS = only(Role.KB_ANALYST, message="Deze pagina is voor analisten van de KB.")
PLATFORM_ADMINS = only(Role.PLATFORM_ADMIN, message="Deze pagina is voor platformbeheerders.")
