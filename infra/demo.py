"""Demo data for `ido demo` and `make run`: a POI, two libraries (one in each Holland) each with an IDO location
— one opened with opening hours, one still planned — and a user per role. Loading it twice changes nothing
(deterministic ids; existing rows are kept; events are appended only when the state lacks them)."""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import text

from domain import ido
from domain.accounts import Role
from domain.calendar import local_day
from domain.errors import NotFound
from domain.ports import NewEvent
from infra.bootstrap import Container

DEMO_PASSWORD = "demo-wachtwoord-2026"
POI = ("poi-demo", "ProBiblio Demo (POI)", "poi@poi-demo.example")
LIBRARIES = (
    ("bieb-noord", "Bibliotheek Noorderland", "IDO Noorderland Centrale", "Centrale bibliotheek Noorderstad"),
    ("bieb-zuid", "Bibliotheek Zuiderkwartier", "IDO Zuiderkwartier", "Vestiging Zuiderpoort"),
)
PROVINCES = {"bieb-noord": "Noord-Holland", "bieb-zuid": "Zuid-Holland"}
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
        )
        if not await c.events.read_stream(tenant, ido.stream_id(location)):
            events = ido.register(cmd, today)
            await c.events.append(
                tenant,
                ido.stream_id(location),
                [NewEvent(_id(slug, "registered"), e, DEMO_META) for e in events],
                0,
            )
        await _set_province(c, slug, PROVINCES[slug])
        if slug == OPENED:
            await _open_with_hours(c, tenant, slug, location, today)
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


async def _open_with_hours(c: Container, tenant: UUID, slug: str, location: UUID, today: date) -> None:
    """Set the opening hours and record the opening, each only if the stream does not have it yet."""
    stream = ido.stream_id(location)
    state = ido.fold(location, [r.event for r in await c.events.read_stream(tenant, stream)])
    new: list[NewEvent] = []
    if not state.slots and state.status != ido.Status.CLOSED:
        holidays = [date(today.year, 4, 27), date(today.year, 12, 25), date(today.year, 12, 26)]
        new += [
            NewEvent(_id(slug, "hours"), e, DEMO_META) for e in ido.set_hours(state, list(HOURS), holidays)
        ]
    if state.status == ido.Status.PLANNED:
        new += [NewEvent(_id(slug, "opened"), e, DEMO_META) for e in ido.open_ido(state, today, today)]
    if new:
        await c.events.append(tenant, stream, new, state.version)
