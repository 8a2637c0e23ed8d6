"""Which library a request is about, and whether the user may see it: anything else is 404."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from litestar import Request
from litestar.exceptions import NotFoundException, PermissionDeniedException

from domain.accounts import Role
from domain.errors import NotFound
from infra.platform.accounts import Tenant
from services.api.web import Who, require_who


@dataclass(frozen=True)
class Library:
    tenant: Tenant
    who: Who
    roles: frozenset[Role]

    @property
    def tenant_id(self):
        return self.tenant.tenant_id

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def is_coordinator(self) -> bool:
        return Role.COORDINATOR in self.roles


async def library_scope(request: Request, slug: str) -> Library:
    """Desk staff and coordinators reach their own library only; for everyone else it does not exist."""
    w = require_who(request)
    try:
        tenant = await request.app.state.services.accounts.tenant_by_slug(slug)
    except NotFound:
        raise NotFoundException() from None
    roles = frozenset(w.tenant_roles(tenant.tenant_id))
    structlog.contextvars.bind_contextvars(tenant_id=str(tenant.tenant_id))
    if not roles or not tenant.active:
        raise NotFoundException()
    return Library(tenant, w, roles)


async def coordinator_scope(request: Request, slug: str) -> Library:
    lib = await library_scope(request, slug)
    if not lib.is_coordinator:
        raise PermissionDeniedException("Deze pagina is voor de coördinator van de bibliotheek.")
    return lib
