"""One navigation per role, on every page (issue 18): what the menu of a signed-in user needs beyond the page's
own context, read before the route runs (an application `before_request` hook) and handed to every template by
`web.page` as `nav` and `guide`.

- `nav`: for a page outside a library (account pages, the POI's colleagues, the KB's and POI's verantwoording,
  confirm pages): the user's role menu, with the count of unread notices for POI advisers and KB analysts (the
  badge shows only when there is something to read).
- `guide`: on a library's pages, for its coordinator, the first-run guide's progress while it is not done (the
  menu then has "Aan de slag"; services/api/guide.py).

Only whole pages are read for (a GET that is not an HTMX swap): the desk's registrations and every partial pay
nothing."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request

from domain.accounts import Role
from domain.first_run import Guide
from infra.platform.accounts import Tenant
from infra.queries import boards
from infra.queries.first_run import guide_facts
from services.api.deps import web
from services.api.web import Who, is_partial, who

SKIP = ("/static/", "/api/", "/schema", "/healthz", "/readyz", "/metrics")


@dataclass(frozen=True)
class NavLibrary:
    """What library_nav.html.j2 reads of a library, for a page outside it (as scope.Library has it)."""

    tenant: Tenant
    is_coordinator: bool

    @property
    def slug(self) -> str:
        return self.tenant.slug


@dataclass(frozen=True)
class Nav:
    """The menu of the user's role: `kind` is library, poi, kb or admin."""

    kind: str
    unread: int = 0
    lib: NavLibrary | None = None


def kind_of(w: Who) -> str:
    """The role whose menu a user sees: the one of their start page (sign_in.start_url)."""
    roles = w.roles()
    if Role.PLATFORM_ADMIN in roles:
        return "admin"
    if Role.KB_ANALYST in roles:
        return "kb"
    if Role.POI_ADVISER in roles:
        return "poi"
    return "library"


async def before_request(request: Request) -> None:
    """An application hook: reads what the menu needs into the request's scope (see the module)."""
    if request.method != "GET" or request.url.path.startswith(SKIP) or is_partial(request):
        return
    w = who(request)
    if w is None:
        return
    state = web(request.app.state)
    prefetched = request.scope.get("ido_library")  # a /t/{slug}/ page: the library the middleware read
    if prefetched is not None:
        tenant = prefetched[1]
        if tenant is not None and Role.COORDINATOR in w.tenant_roles(tenant.tenant_id):
            guide = Guide.of(await guide_facts(state.db, tenant.tenant_id))
            if not guide.done:
                request.scope["ido_guide"] = guide  # type: ignore[typeddict-unknown-key]
        return
    kind = kind_of(w)
    if kind in ("poi", "kb"):
        scope = boards.Scope(w.user_id, kb=True) if kind == "kb" else boards.Scope(w.user_id, tuple(w.pois))
        nav = Nav(kind, unread=await boards.unread_count(state.reader, scope))
    elif kind == "library":
        tenant_id = next(m.tenant_id for m in w.user.memberships if m.tenant_id)
        tenant = await state.accounts.tenant_by_id(tenant_id)
        nav = Nav(kind, lib=NavLibrary(tenant, Role.COORDINATOR in w.tenant_roles(tenant_id)))
    else:
        nav = Nav(kind)
    request.scope["ido_nav"] = nav  # type: ignore[typeddict-unknown-key]
