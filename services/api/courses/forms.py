"""Reading the course forms: Dutch field names in, commands for domain/courses.py out; bad input is a
DomainError naming the domain field, so the page can mark it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain import courses as c
from domain.errors import DomainError


def parse_uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def parse_date(value: Any, field: str, what: str) -> date:
    text = str(value or "").strip()
    if not text:
        raise DomainError(f"Vul {what} in.", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"Vul een geldige datum in voor {what}.", field=field) from None


def parse_count(value: Any, field: str, what: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 4:
        raise DomainError(f"Vul {what} in als heel getal.", field=field)
    return int(text)


def parse_programme(value: Any) -> c.Programme:
    try:
        return c.Programme(str(value or ""))
    except ValueError:
        raise DomainError("Kies een programma.", field="programme") from None


def parse_code(value: Any) -> str:
    """Codes are read aloud and typed in: spaces and lower case are forgiven."""
    return str(value or "").strip().upper()


def schedule_args(form: Any) -> dict[str, Any]:
    """The arguments of courses.schedule that come from the form (not the ids, locations or today)."""
    return {
        "programme": parse_programme(form.get("programma")),
        "title": str(form.get("titel", ""))[:500],
        "location_id": parse_uuid(form.get("locatie")) or UUID(int=0),
        "start_date": parse_date(form.get("startdatum"), "start_date", "de startdatum"),
        "sessions": parse_count(form.get("bijeenkomsten"), "sessions", "het aantal bijeenkomsten"),
        "capacity": parse_count(form.get("capaciteit"), "capacity", "het aantal plaatsen"),
    }
