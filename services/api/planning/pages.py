"""IDO and planning (/t/{slug}/ido, coordinator): register an IDO, its gemeente, reschedule, open, onboarding
steps, temporary closure, reopen, close, opening hours, and the location's history with who was told of each planning fact. Each
planning form shows, before the coordinator confirms, who will hear of it and why (domain/planning_notices.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from application.aggregates import IDO
from application.bus import Bus
from domain import gemeenten, ido
from domain import planning_notices as pn
from domain.calendar import local_day
from domain.errors import DomainError, NotFound, WrongExpectedVersion
from domain.ports import Clock
from infra.platform.accounts import Accounts
from infra.platform.organisations import Organisations
from infra.queries import boards
from infra.store.db import Database
from services.api.deps import Locations, picked
from services.api.planning import history as ido_history
from services.api.planning.forms import SLOTS_PER_DAY, hour_values, parse_date, parse_hours, register_command
from services.api.scope import COORDINATOR, Library
from services.api.web import is_partial, meta, page, see_other

SECTIONS = {
    "reschedule": "status",
    "open": "status",
    "closure": "status",
    "reopen": "status",
    "close": "status",
    "step": "steps",
    "hours": "hours",
    "gemeente": "status",
}
FORMS_BY_STATUS = {
    ido.Status.PLANNED: ("reschedule", "open", "close"),
    ido.Status.OPEN: ("closure", "close"),
    ido.Status.TEMPORARILY_CLOSED: ("reopen", "close"),
    ido.Status.CLOSED: (),
}
MESSAGES = {
    "reschedule": "De nieuwe openingsdatum is vastgelegd",
    "open": "De opening is vastgelegd",
    "closure": "De tijdelijke sluiting is vastgelegd",
    "reopen": "De heropening is vastgelegd",
    "close": "Het IDO is gesloten",
    "step": "De stap is afgevinkt",
    "hours": "De openingstijden zijn opgeslagen",
    "gemeente": "De gemeente is opgeslagen",
}
FACT_OF_FORM = {  # the event each planning form appends; its row of the table says who hears of it
    "aangemeld": ido.IdoRegistered,
    "reschedule": ido.OpeningRescheduled,
    "open": ido.IdoOpened,
    "closure": ido.IdoTemporarilyClosed,
    "reopen": ido.IdoReopened,
    "close": ido.IdoClosed,
}


def _told(key: str, recorded: list) -> str | None:
    """Who the table says hears of the form's latest event: "de POI en de KB krijgen een melding"."""
    kind = FACT_OF_FORM.get(key)
    found = [i for i, r in enumerate(recorded) if kind and isinstance(r.event, kind)]
    if not found:
        return None
    last = recorded[found[-1]]
    before = ido.fold(last.event.location_id, [r.event for r in recorded[: found[-1]]])
    told = pn.telling(before, last.event, last.event_id)
    return f"{told.row.who} een melding" if told else None


def _message(key: str | None, state: ido.Ido, recorded: list) -> str | None:
    key = key or ""
    who = _told(key, recorded)
    if key == "aangemeld":
        return f"{state.name} is aangemeld; {who}. Vink hieronder de stappen naar de opening af."
    if key not in MESSAGES:
        return None
    text = f"{MESSAGES[key]}; {who}." if who else f"{MESSAGES[key]}."
    return f"{text} Gefeliciteerd!" if key == "open" else text


def _form(raw: Any) -> dict[str, str]:
    return {k: str(v) for k, v in raw.items()}


def _reschedule(form: dict[str, str], location_id: UUID) -> ido.RescheduleOpening:
    new_date = parse_date(form.get("new_date"), "new_date", "de nieuwe openingsdatum")
    return ido.RescheduleOpening(location_id=location_id, new_date=new_date, reason=form.get("reason", ""))


def _open(form: dict[str, str], location_id: UUID) -> ido.OpenIdo:
    on = parse_date(form.get("opened_on"), "opened_on", "de openingsdatum")
    return ido.OpenIdo(location_id=location_id, opened_on=on)


def _closure(form: dict[str, str], location_id: UUID) -> ido.CloseTemporarily:
    start = parse_date(form.get("closed_from"), "closed_from", "de eerste dag van de sluiting")
    until = parse_date(form.get("until"), "until", "de laatste dag", required=False)
    return ido.CloseTemporarily(
        location_id=location_id, closed_from=start, until=until, reason=form.get("reason", "")
    )


def _reopen(form: dict[str, str], location_id: UUID) -> ido.ReopenIdo:
    on = parse_date(form.get("reopened_on"), "reopened_on", "de datum van heropening")
    return ido.ReopenIdo(location_id=location_id, reopened_on=on)


def _close(form: dict[str, str], location_id: UUID) -> ido.CloseIdo:
    on = parse_date(form.get("closed_on"), "closed_on", "de datum van sluiting")
    if form.get("bevestigd") != "ja":  # the form's confirmation, also without JavaScript
        raise DomainError(
            "Vink aan dat het IDO definitief sluit; dat kan niet ongedaan worden gemaakt.", field="bevestigd"
        )
    return ido.CloseIdo(location_id=location_id, closed_on=on, reason=form.get("reason", ""))


def _step(form: dict[str, str], location_id: UUID) -> ido.CompleteStep:
    return ido.CompleteStep(location_id=location_id, step=form.get("step", ""))


def _gemeente(form: dict[str, str], location_id: UUID) -> ido.SetGemeente:
    return ido.SetGemeente(location_id=location_id, gemeente=form.get("gemeente", ""))


def _hours(form: dict[str, str], location_id: UUID) -> ido.SetOpeningHours:
    slots, holidays = parse_hours(form)
    return ido.SetOpeningHours(location_id=location_id, slots=slots, holidays=holidays)


@dataclass(frozen=True)
class Parts:
    """What the planning pages use: the bus (the commands, and an IDO's events), who was told of each
    reschedule (db), the library's locations, the accounts (who did what), the library's own record (its
    municipalities, for the default gemeente) and the clock."""

    bus: Bus
    db: Database
    locations: Locations
    accounts: Accounts
    organisations: Organisations
    clock: Clock


GEMEENTEN = {"gemeente_groups": gemeenten.CURRENT.by_province(), "gemeente_list": gemeenten.CURRENT}


class PlanningController(Controller):
    path = "/t/{slug:str}/ido"
    dependencies = {"lib": COORDINATOR, "parts": picked(Parts)}

    async def _list(
        self, request: Request, lib: Library, parts: Parts, status: int = 200, **extra: Any
    ) -> Template:
        today = local_day(parts.clock())
        named = gemeenten.CURRENT.matching((await parts.organisations.library(lib.tenant_id)).municipalities)
        ctx = {
            "lib": lib,
            "locations": await parts.locations(lib.tenant_id),
            "status_labels": ido.STATUS_LABELS,
            "variants": ido.VARIANT_LABELS,
            "today": today,
            "new_location_id": uuid4(),
            "values": {
                "subsidy_year": str(today.year),
                "inside_library": "ja",
                "variant": "basis",
                "gemeente": named.code if named else "",
            },
            **GEMEENTEN,
            "register_preview": pn.preview_registration(),
            "error": None,
            "error_form": "register",
            "message": None,
            **extra,
        }
        return page(
            request, "planning/page.html.j2", "planning/partials/_locations.html.j2", status=status, **ctx
        )

    @get("/", include_in_schema=False)
    async def list_locations(self, request: Request, lib: Library, parts: Parts) -> Template:
        return await self._list(request, lib, parts)

    @post("/", include_in_schema=False)
    async def register(self, request: Request, lib: Library, parts: Parts) -> Response:
        form = _form(await request.form())
        try:
            cmd = register_command(lib.tenant_id, form)
            await parts.bus.handle(lib.tenant_id, cmd, meta(request, "planning"))
        except WrongExpectedVersion:  # a repeated submission of the same form: the IDO exists already
            pass
        except DomainError as err:
            return await self._list(request, lib, parts, status=422, error=err, values=form)
        if not is_partial(request):
            return see_other(f"/t/{lib.slug}/ido/{cmd.location_id}?melding=aangemeld")
        recorded = await parts.bus.read(lib.tenant_id, lambda tx: tx.read_stream(IDO.stream(cmd.location_id)))
        state = ido.fold(cmd.location_id, [r.event for r in recorded])
        who = _told("aangemeld", recorded)
        message = f"{state.name} is aangemeld; {who}." if who else f"{state.name} is aangemeld."
        return await self._list(request, lib, parts, message=message, created=state)

    async def _context(self, parts: Parts, lib: Library, location_id: UUID, **extra: Any) -> dict[str, Any]:
        recorded = await parts.bus.read(lib.tenant_id, lambda tx: tx.read_stream(IDO.stream(location_id)))
        state = ido.fold(location_id, [r.event for r in recorded])
        if state.version == 0:
            raise NotFoundException()
        told = await boards.told(parts.db, lib.tenant_id, location_id)
        first_question = await boards.first_question(parts.db, lib.tenant_id, location_id)
        error_form = extra.get("error_form")
        today = local_day(parts.clock())
        forms = FORMS_BY_STATUS[state.status]
        return {
            "recorded": recorded,
            "lib": lib,
            "state": state,
            "today": today,
            "overdue": state.status == ido.Status.PLANNED
            and state.planned is not None
            and state.planned < today,
            "status_label": ido.STATUS_LABELS[state.status],
            "variant_label": ido.VARIANT_LABELS[state.variant],
            "forms": forms,
            "previews": {form: pn.preview(state, form, today) for form in forms},
            "checklist": ido.checklist(dict(state.step_dates), state.opened_on, first_question),
            "weekdays": ido.WEEKDAYS,
            "slots_per_day": SLOTS_PER_DAY,
            "hours": extra.get("values", {}) if error_form == "hours" else hour_values(state),
            "hours_text": ido_history.slots_text(state.slots),
            "history": ido_history.history(
                recorded,
                told,
                await _actors(parts.accounts, recorded),
                await boards.notices_until(parts.db, lib.tenant_id),
            ),
            "nl_date": ido_history.nl_date,
            "gemeente": state.gemeente_found,
            **GEMEENTEN,
            "error": None,
            "error_form": None,
            "values": {},
            "message": None,
            **extra,
        }

    @get("/{location_id:uuid}", include_in_schema=False)
    async def location(self, request: Request, lib: Library, parts: Parts, location_id: UUID) -> Template:
        ctx = await self._context(parts, lib, location_id)
        ctx["message"] = _message(request.query_params.get("melding"), ctx["state"], ctx["recorded"])
        return page(request, "planning/location.html.j2", **ctx)

    async def _run(
        self,
        request: Request,
        lib: Library,
        parts: Parts,
        location_id: UUID,
        form_name: str,
        command: Callable[[dict[str, str], UUID], Any],
    ) -> Response:
        """Parse, decide and append; a refusal re-renders the form with the message (422) and appends nothing."""
        form = _form(await request.form())
        primary = SECTIONS[form_name]
        try:
            await parts.bus.handle(lib.tenant_id, command(form, location_id), meta(request, "planning"))
        except NotFound:
            raise
        except DomainError as err:
            ctx = await self._context(parts, lib, location_id, error=err, error_form=form_name, values=form)
            status = 409 if isinstance(err, WrongExpectedVersion) else 422
            partial = f"planning/partials/_{primary}.html.j2"
            return page(request, "planning/location.html.j2", partial, status=status, primary=primary, **ctx)
        if not is_partial(request):
            return see_other(f"/t/{lib.slug}/ido/{location_id}?melding={form_name}#plan-{primary}")
        ctx = await self._context(parts, lib, location_id)
        ctx["message"] = _message(form_name, ctx["state"], ctx["recorded"])
        return page(
            request, "planning/location.html.j2", "planning/partials/_command.html.j2", primary=primary, **ctx
        )

    @post("/{location_id:uuid}/verzetten", include_in_schema=False)
    async def reschedule(self, request: Request, lib: Library, parts: Parts, location_id: UUID) -> Response:
        return await self._run(request, lib, parts, location_id, "reschedule", _reschedule)

    @post("/{location_id:uuid}/geopend", include_in_schema=False)
    async def open(self, request: Request, lib: Library, parts: Parts, location_id: UUID) -> Response:
        return await self._run(request, lib, parts, location_id, "open", _open)

    @post("/{location_id:uuid}/tijdelijk-gesloten", include_in_schema=False)
    async def close_temporarily(
        self, request: Request, lib: Library, parts: Parts, location_id: UUID
    ) -> Response:
        return await self._run(request, lib, parts, location_id, "closure", _closure)

    @post("/{location_id:uuid}/heropend", include_in_schema=False)
    async def reopen(self, request: Request, lib: Library, parts: Parts, location_id: UUID) -> Response:
        return await self._run(request, lib, parts, location_id, "reopen", _reopen)

    @post("/{location_id:uuid}/gesloten", include_in_schema=False)
    async def close(self, request: Request, lib: Library, parts: Parts, location_id: UUID) -> Response:
        return await self._run(request, lib, parts, location_id, "close", _close)

    @post("/{location_id:uuid}/stappen", include_in_schema=False)
    async def complete_step(
        self, request: Request, lib: Library, parts: Parts, location_id: UUID
    ) -> Response:
        return await self._run(request, lib, parts, location_id, "step", _step)

    @post("/{location_id:uuid}/gemeente", include_in_schema=False)
    async def set_gemeente(self, request: Request, lib: Library, parts: Parts, location_id: UUID) -> Response:
        return await self._run(request, lib, parts, location_id, "gemeente", _gemeente)

    @post("/{location_id:uuid}/openingstijden", include_in_schema=False)
    async def set_hours(self, request: Request, lib: Library, parts: Parts, location_id: UUID) -> Response:
        return await self._run(request, lib, parts, location_id, "hours", _hours)


async def _actors(accounts: Accounts, recorded: list) -> dict[str, str]:
    """The e-mail address of each user who wrote one of `recorded`."""
    found: dict[str, str] = {}
    for actor in {str(r.metadata.get("actor")) for r in recorded}:
        try:
            user = await accounts.user_by_id(UUID(actor))
        except ValueError:
            continue
        if user is not None:
            found[actor] = user.email
    return found
