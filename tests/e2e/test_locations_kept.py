"""infra.queries.locations.list_locations keeps a library's locations folded per process by the events they were
folded from: a new event folds afresh, another library's events never answer, and what a transaction that rolled
back wrote is never kept."""

from __future__ import annotations

from datetime import timedelta

from domain import ido
from domain.calendar import local_day
from infra.platform.partners import Partners
from infra.queries import locations
from infra.queries.locations import list_locations, locations_and_active_partners
from services.bootstrap import command_bus
from tests.e2e.conftest import make_library


async def _list(container, tenant_id):
    return await list_locations(container.db, container.codec, tenant_id)


async def test_a_new_event_is_folded_and_each_library_keeps_its_own(container):
    lib, other = await make_library(container), await make_library(container)
    first = await _list(container, lib.tenant_id)
    assert [x.location_id for x in first] == [lib.location_id] and first[0].opened_on is None
    assert await _list(container, lib.tenant_id) == first  # kept
    opened = local_day(container.clock()) - timedelta(days=1)
    await command_bus(container).handle(
        lib.tenant_id, ido.OpenIdo(location_id=lib.location_id, opened_on=opened), {}
    )
    [after] = await _list(container, lib.tenant_id)
    assert after.opened_on == opened
    assert [x.location_id for x in await _list(container, other.tenant_id)] == [other.location_id]


async def test_what_a_rolled_back_transaction_read_of_its_own_write_is_not_kept(container):
    lib = await make_library(container)
    locations._folds.clear()
    opened = local_day(container.clock()) - timedelta(days=1)
    seen = []

    async def read_then_fail(tx):
        seen.append(await tx.location_list())
        raise RuntimeError("the answer could not be sent")

    try:
        await command_bus(container).handle_then(
            lib.tenant_id, ido.OpenIdo(location_id=lib.location_id, opened_on=opened), {}, read_then_fail
        )
    except RuntimeError:
        pass
    assert seen[0][0].opened_on == opened  # the transaction saw its own write
    assert not locations._folds
    [now] = await _list(container, lib.tenant_id)
    assert now.opened_on is None


async def test_with_the_active_partners_in_one_round_trip_they_are_what_the_two_reads_give(container):
    """locations_and_active_partners: the locations as list_locations folds them and the active partners in
    Partners.list's order (an inactive one left out), each library its own."""
    lib, other = await make_library(container), await make_library(container)
    partners = Partners(container.db)
    for name in ("Zorgloket", "bibliotheek-hulp", "Belastingwinkel"):
        await partners.add(lib.tenant_id, {"name": name, "kind": "welzijn"})
    gone = await partners.add(lib.tenant_id, {"name": "Gestopt", "kind": "welzijn"})
    await partners.update(lib.tenant_id, gone, {"name": "Gestopt", "kind": "welzijn"}, active=False)
    found, active = await locations_and_active_partners(container.db, container.codec, lib.tenant_id)
    assert found == await _list(container, lib.tenant_id)
    assert active == await partners.list(lib.tenant_id, active_only=True)
    assert [p.name for p in active] == ["Belastingwinkel", "bibliotheek-hulp", "Zorgloket"]
    found, active = await locations_and_active_partners(container.db, container.codec, other.tenant_id)
    assert [x.location_id for x in found] == [other.location_id] and active == []
