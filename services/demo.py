"""Demo data for `ido demo` and `make run`: a POI, two libraries (one in each Holland) each with an IDO location
in a real gemeente (Haarlem, Leiden) — one opened with opening hours, one still planned — and a user per role. Loading it twice changes nothing
(deterministic ids; existing rows are kept; a planning command is sent through the bus only when the state lacks
what it would add)."""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import text

from application.aggregates import IDO, load
from application.bus import Bus
from domain import ido
from domain.accounts import Role
from domain.calendar import local_day
from domain.errors import NotFound
from infra.bootstrap import Container
from services.bootstrap import command_bus

DEMO_PASSWORD = "demo-wachtwoord-2026"
POI = ("poi-demo", "ProBiblio Demo (POI)", "poi@poi-demo.example")
LIBRARIES = (
    ("bieb-noord", "Bibliotheek Noorderland", "IDO Noorderland Centrale", "Centrale bibliotheek Noorderstad"),
    ("bieb-zuid", "Bibliotheek Zuiderkwartier", "IDO Zuiderkwartier", "Vestiging Zuiderpoort"),
)
PROVINCES = {"bieb-noord": "Noord-Holland", "bieb-zuid": "Zuid-Holland"}
GEMEENTEN = {"bieb-noord": "GM0392", "bieb-zuid": "GM0546"}  # Haarlem, Leiden (CBS codes, list 2025)
OPENED = "bieb-noord"  # opened, with opening hours; the other library's IDO stays planned
HOURS = (
    ido.Slot(weekday=0, opens="10:00", closes="12:00"),
    ido.Slot(weekday=1, opens="13:30", closes="16:30"),
    ido.Slot(weekday=3, opens="10:00", closes="12:00"),
    ido.Slot(weekday=3, opens="13:30", closes="16:30"),
    ido.Slot(weekday=5, opens="10:00", closes="13:00"),
)
USERS = (
    ("balie@bieb-noord.example", Role.DESK, "bieb-noord", None),
    ("coordinator@bieb-noord.example", Role.COORDINATOR, "bieb-noord", None),
    ("balie@bieb-zuid.example", Role.DESK, "bieb-zuid", None),
    ("coordinator@bieb-zuid.example", Role.COORDINATOR, "bieb-zuid", None),
    ("adviseur@poi-demo.example", Role.POI_ADVISER, None, "poi-demo"),
    ("analist@kb.example", Role.KB_ANALYST, None, None),
    ("beheer@ido-registratie.example", Role.PLATFORM_ADMIN, None, None),
)

# who wrote the demo data: the demo loader, one fixed request id (re-running it appends nothing new)
DEMO_META = {"actor": "demo", "request_id": "demo", "via": "demo"}


def _id(*parts: str) -> UUID:
    return uuid5(NAMESPACE_URL, "ido-demo:" + ":".join(parts))


async def load_demo(c: Container) -> list[tuple[str, str]]:
    """Answer the demo logins as (e-mail, role). Dates follow the container's clock."""
    today = local_day(c.clock())
    bus = command_bus(c)
    try:
        await c.accounts.poi_by_slug(POI[0])
    except NotFound:
        await c.accounts.create_poi(*POI)
    for slug, name, ido_name, branch in LIBRARIES:
        try:
            tenant = (await c.accounts.tenant_by_slug(slug)).tenant_id
        except NotFound:
            tenant = await c.accounts.create_tenant(slug, name, POI[0])
        location = _id(slug, "location")
        cmd = ido.RegisterIdo(
            tenant_id=tenant,
            location_id=location,
            name=ido_name,
            branch=branch,
            variant=ido.Variant.BASIS,
            inside_library=True,
            subsidy_year=today.year,
            planned_opening=date(today.year, 12, 1) if today.month < 12 else today,
            gemeente=GEMEENTEN[slug],
        )
        state = await bus.read(tenant, lambda tx, loc=location: load(tx, IDO, loc))
        if state.version == 0:
            await bus.handle(tenant, cmd, DEMO_META)
        elif state.gemeente is None:  # demo data loaded before locations had a gemeente
            await bus.handle(
                tenant, ido.SetGemeente(location_id=location, gemeente=GEMEENTEN[slug]), DEMO_META
            )
        await _set_province(c, slug, PROVINCES[slug])
        if slug == OPENED:
            await _open_with_hours(bus, tenant, location, today)
    for email, role, tenant_slug, poi_slug in USERS:
        user = await c.accounts.user_by_email(email)
        if user is None or not any(m.role == role for m in user.memberships):
            await c.accounts.create_user(
                email, role, tenant_slug=tenant_slug, poi_slug=poi_slug, password=DEMO_PASSWORD
            )
    return [(email, role.value) for email, role, _, _ in USERS]


async def _set_province(c: Container, slug: str, province: str) -> None:
    async with c.db.platform() as conn:
        await conn.execute(
            text("UPDATE tenants SET province = :p WHERE slug = :s AND province IS DISTINCT FROM :p"),
            {"p": province, "s": slug},
        )


async def _open_with_hours(bus: Bus, tenant: UUID, location: UUID, today: date) -> None:
    """Set the opening hours and record the opening, each only if the location does not have it yet."""
    state = await bus.read(tenant, lambda tx: load(tx, IDO, location))
    if not state.slots and state.status != ido.Status.CLOSED:
        holidays = [date(today.year, 4, 27), date(today.year, 12, 25), date(today.year, 12, 26)]
        hours = ido.SetOpeningHours(location_id=location, slots=list(HOURS), holidays=holidays)
        await bus.handle(tenant, hours, DEMO_META)
    if state.status == ido.Status.PLANNED:
        await bus.handle(tenant, ido.OpenIdo(location_id=location, opened_on=today), DEMO_META)
