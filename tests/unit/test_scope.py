"""The one tenant check (services/api/scope.py), without a server: who reaches which library in which role, and
what everyone else is told (404 as if it did not exist, 403 for a colleague in another role); the role guards."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from litestar.exceptions import NotAuthorizedException, NotFoundException

from domain.accounts import Role
from domain.errors import Forbidden, NotFound
from infra.platform.accounts import Membership, Tenant, User
from services.api import scope
from services.api.web import Who

POI, OTHER_POI = uuid4(), uuid4()
LIB = Tenant(uuid4(), "bieb-a", "Bibliotheek A", POI, active=True)
OTHER = Tenant(uuid4(), "bieb-b", "Bibliotheek B", OTHER_POI, active=True)
CLOSED = Tenant(uuid4(), "bieb-dicht", "Bibliotheek Dicht", POI, active=False)
COORDINATOR_ONLY = "Deze pagina is voor de coördinator van de bibliotheek."


class FakeAccounts:
    async def tenant_by_slug(self, slug: str) -> Tenant:
        for t in (LIB, OTHER, CLOSED):
            if t.slug == slug:
                return t
        raise NotFound(f"Er is geen bibliotheek met de korte naam '{slug}'.")


def person(*memberships: tuple[Role, UUID | None, UUID | None]) -> Who:
    user = User(uuid4(), "iemand@test.example", None, True, tuple(Membership(*m) for m in memberships))
    return Who(user, "sessie")


def desk(t: Tenant) -> Who:
    return person((Role.DESK, t.tenant_id, None))


def coordinator(t: Tenant) -> Who:
    return person((Role.COORDINATOR, t.tenant_id, None))


def adviser(poi: UUID) -> Who:
    return person((Role.POI_ADVISER, None, poi))


KB = person((Role.KB_ANALYST, None, None))
ADMIN = person((Role.PLATFORM_ADMIN, None, None))


async def reach(dependency, who: Who | None, slug: str) -> scope.Library:
    request = SimpleNamespace(scope={"ido_who": who} if who else {})
    return await dependency.dependency(request=request, slug=slug, accounts=FakeAccounts())


@pytest.mark.parametrize(
    ("dependency", "who", "roles"),
    [
        (scope.STAFF, desk(LIB), {Role.DESK}),
        (scope.STAFF, coordinator(LIB), {Role.COORDINATOR}),
        (scope.COORDINATOR, coordinator(LIB), {Role.COORDINATOR}),
        (scope.library(Role.POI_ADVISER), adviser(POI), {Role.POI_ADVISER}),
        (scope.library(Role.KB_ANALYST), KB, {Role.KB_ANALYST}),
        (
            scope.library(Role.COORDINATOR, Role.POI_ADVISER, Role.KB_ANALYST),
            adviser(POI),
            {Role.POI_ADVISER},
        ),
    ],
)
async def test_a_user_reaches_the_library_in_the_roles_the_route_takes(dependency, who, roles):
    lib = await reach(dependency, who, LIB.slug)
    assert (lib.tenant, lib.who, lib.roles) == (LIB, who, roles)
    assert lib.is_coordinator == (Role.COORDINATOR in roles)


@pytest.mark.parametrize(
    ("dependency", "who", "slug"),
    [
        (scope.STAFF, desk(OTHER), LIB.slug),  # another library's staff
        (scope.STAFF, adviser(POI), LIB.slug),  # its POI reads, but has no desk
        (scope.STAFF, KB, LIB.slug),
        (scope.STAFF, ADMIN, LIB.slug),
        (scope.STAFF, desk(CLOSED), CLOSED.slug),  # inactive
        (scope.STAFF, desk(LIB), "bieb-onbekend"),
        (scope.STAFF, desk(LIB), "NIET\x00EEN-SLUG"),
        (scope.COORDINATOR, coordinator(OTHER), LIB.slug),
        (scope.COORDINATOR, desk(OTHER), LIB.slug),  # a desk elsewhere: not told it is the wrong role here
        (scope.COORDINATOR, desk(CLOSED), CLOSED.slug),  # inactive: 404 also for its own desk
        (scope.COORDINATOR, KB, LIB.slug),
        (scope.library(Role.POI_ADVISER), adviser(OTHER_POI), LIB.slug),
        (scope.library(Role.POI_ADVISER), adviser(POI), CLOSED.slug),
        (scope.library(Role.KB_ANALYST), KB, CLOSED.slug),
        (scope.library(Role.COORDINATOR, Role.POI_ADVISER, Role.KB_ANALYST), desk(LIB), LIB.slug),
    ],
)
async def test_for_everyone_else_the_library_does_not_exist(dependency, who, slug):
    with pytest.raises(NotFoundException) as refused:
        await reach(dependency, who, slug)
    assert slug not in str(refused.value.detail)


async def test_a_colleague_in_another_role_is_told_whom_the_page_is_for():
    with pytest.raises(Forbidden, match=COORDINATOR_ONLY):
        await reach(scope.COORDINATOR, desk(LIB), LIB.slug)


async def test_without_a_login_the_user_is_asked_to_log_in_first():
    with pytest.raises(NotAuthorizedException):
        await reach(scope.STAFF, None, LIB.slug)


@pytest.mark.parametrize(
    ("guard", "allowed"),
    [
        (scope.POI_ADVISERS, {"adviser"}),
        (scope.KB_ANALYSTS, {"kb"}),
        (scope.PLATFORM_ADMINS, {"admin"}),
    ],
)
def test_a_role_guard_lets_its_role_in_anywhere_and_refuses_the_others(guard, allowed):
    people = {"desk": desk(LIB), "adviser": adviser(OTHER_POI), "kb": KB, "admin": ADMIN}
    for name, who in people.items():
        connection = SimpleNamespace(scope={"ido_who": who})
        if name in allowed:
            guard(connection, None)
        else:
            with pytest.raises(Forbidden, match="Deze pagina is voor "):
                guard(connection, None)


async def test_the_library_read_with_the_user_is_checked_the_same_and_only_for_its_own_slug():
    """middleware.authentication reads the library of a /t/{slug}/ page with the user (one round trip); the
    check is the same, a library not found is a 404, and one read for another slug is not used."""
    from services.api.middleware import _library_slug

    assert [_library_slug(p) for p in ("/t/bieb-a/balie", "/t/bieb-a", "/t/", "/api/v1/t/x", "/login")] == [
        "bieb-a",
        "bieb-a",
        None,
        None,
        None,
    ]

    async def check(who: Who, slug: str, prefetched) -> scope.Library:
        request = SimpleNamespace(scope={"ido_who": who, "ido_library": prefetched})
        return await scope.STAFF.dependency(request=request, slug=slug, accounts=FakeAccounts())

    assert (await check(desk(LIB), LIB.slug, (LIB.slug, LIB))).tenant == LIB
    with pytest.raises(NotFoundException):
        await check(desk(LIB), LIB.slug, (LIB.slug, None))
    with pytest.raises(NotFoundException):
        await check(desk(LIB), OTHER.slug, (OTHER.slug, OTHER))
    with pytest.raises(NotFoundException):
        await check(desk(CLOSED), CLOSED.slug, (CLOSED.slug, CLOSED))
    assert (await check(desk(LIB), LIB.slug, (OTHER.slug, OTHER))).tenant == LIB, "another slug's: read anew"
