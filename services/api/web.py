"""Small pieces every HTML controller shares: who is asking, page or partial, and redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect, Template

from domain.accounts import Role
from infra.platform.accounts import User


@dataclass(frozen=True)
class Who:
    user: User
    session_id: str | None  # None for API tokens

    @property
    def user_id(self) -> UUID:
        return self.user.user_id

    def roles(self) -> set[Role]:
        return {m.role for m in self.user.memberships}

    def tenant_roles(self, tenant_id: UUID) -> set[Role]:
        return {m.role for m in self.user.memberships if m.tenant_id == tenant_id}

    @property
    def pois(self) -> list[UUID]:
        """The POIs the user advises."""
        return [m.poi_id for m in self.user.memberships if m.role == Role.POI_ADVISER and m.poi_id]


def who(request: ASGIConnection) -> Who | None:
    return request.scope.get("ido_who")  # type: ignore[return-value]


def require_who(request: ASGIConnection) -> Who:
    w = who(request)
    if w is None:
        raise NotAuthorizedException("Log eerst in.")
    return w


def log_tenant(scope: Any) -> dict[str, str]:
    """The library the request is about (set by the library scope), for its log lines: read from the request's
    scope, as a dependency that runs beside others does so in a task whose log context the handler never sees."""
    tenant_id = scope.get("ido_tenant_id")
    return {"tenant_id": tenant_id} if tenant_id else {}


def is_partial(request: Request) -> bool:
    """An HTMX request that swaps a part (not boosted, not a history restore) gets the partial alone."""
    h = request.headers
    return (
        h.get("hx-request") == "true"
        and h.get("hx-boosted") != "true"
        and h.get("hx-history-restore-request") != "true"
    )


def page(
    request: Request, template: str, partial: str | None = None, status: int = 200, **context: Any
) -> Template:
    """The whole page, or only `partial` for an HTMX request. Every page gets the user's menu (`nav`) and a
    coordinator's first-run guide while it is open (`guide`), read by services/api/navigation.py."""
    name = partial if partial and is_partial(request) else template
    menu = {"nav": request.scope.get("ido_nav"), "guide": request.scope.get("ido_guide")}
    return Template(name, context={"who": who(request), **menu, **context}, status_code=status)


def see_other(url: str) -> Redirect:
    return Redirect(url, status_code=303)


def meta(request: Request, via: str) -> dict[str, Any]:
    """Event metadata: ids only (actor, request), never visitor data."""
    w = who(request)
    return {
        "actor": str(w.user_id) if w else None,
        "request_id": request.scope.get("ido_request_id"),
        "via": via,
    }
