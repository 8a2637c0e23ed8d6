"""Reading the planning forms: dates, the opening-hours grid, the registration of a new IDO and its gemeente."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from domain import ido
from domain.errors import DomainError

SLOTS_PER_DAY = 3
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")


def parse_date(value: Any, field: str, what: str, *, required: bool = True) -> date | None:
    """A date from a date input (jjjj-mm-dd) or typed as dd-mm-jjjj.

    Raises: DomainError for a missing required date or text that is not a date."""
    raw = str(value or "").strip()
    if not raw:
        if required:
            raise DomainError(f"Vul {what} in.", field=field)
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise DomainError(f"'{raw[:20]}' is geen datum; schrijf dd-mm-jjjj.", field=field)


def slot_name(weekday: int, index: int, end: str) -> str:
    return f"slot-{weekday}-{index}-{end}"


def _minutes_only(hhmm: str) -> str:
    """A time input may send seconds (uu:mm:ss); the schedule keeps minutes."""
    return hhmm[:5] if len(hhmm) == 8 and hhmm[5] == ":" else hhmm


def parse_hours(form: dict[str, Any]) -> tuple[list[ido.Slot], list[date]]:
    """Raises: DomainError for a slot with only one of its times, or a holiday that is not a date."""
    slots = []
    for weekday, day in enumerate(ido.WEEKDAYS):
        for i in range(SLOTS_PER_DAY):
            opens = str(form.get(slot_name(weekday, i, "van"), "")).strip()
            closes = str(form.get(slot_name(weekday, i, "tot"), "")).strip()
            if not opens and not closes:
                continue
            if not opens or not closes:
                raise DomainError(
                    f"Vul op {day} bij tijdvak {i + 1} zowel 'van' als 'tot' in.", field="slots"
                )
            slots.append(ido.Slot(weekday=weekday, opens=_minutes_only(opens), closes=_minutes_only(closes)))
    holidays = [
        parse_date(line, "holidays", "een datum")
        for line in str(form.get("feestdagen", "")).splitlines()
        if line.strip()
    ]
    return slots, [d for d in holidays if d]


def hour_values(state: ido.Ido) -> dict[str, str]:
    """The editor's field values for the current opening hours."""
    values: dict[str, str] = {}
    seen: dict[int, int] = {}
    for s in state.slots:
        i = seen.get(s.weekday, 0)
        seen[s.weekday] = i + 1
        if i < SLOTS_PER_DAY:
            values[slot_name(s.weekday, i, "van")] = s.opens
            values[slot_name(s.weekday, i, "tot")] = s.closes
    values["feestdagen"] = "\n".join(d.strftime("%d-%m-%Y") for d in state.holidays)
    return values


def register_command(tenant_id: UUID, form: dict[str, Any]) -> ido.RegisterIdo:
    """Raises: DomainError for an unknown variant, a year that is not a number or a missing date."""
    try:
        variant = ido.Variant(str(form.get("variant", "")))
    except ValueError:
        raise DomainError("Kies een variant.", field="variant") from None
    try:
        year = int(str(form.get("subsidy_year", "")).strip())
    except ValueError:
        raise DomainError(
            "Vul het subsidiejaar in als jaartal, bijvoorbeeld 2026.", field="subsidy_year"
        ) from None
    try:
        location_id = UUID(str(form.get("location_id", "")))
    except ValueError:
        location_id = uuid4()
    planned = parse_date(form.get("planned_opening"), "planned_opening", "de geplande openingsdatum")
    assert planned is not None
    return ido.RegisterIdo(
        tenant_id=tenant_id,
        location_id=location_id,
        name=str(form.get("name", "")),
        branch=str(form.get("branch", "")),
        variant=variant,
        inside_library=str(form.get("inside_library", "ja")) != "nee",
        subsidy_year=year,
        planned_opening=planned,
        gemeente=str(form.get("gemeente", "")).strip(),
    )
