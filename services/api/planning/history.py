"""The history of an IDO location told in Dutch from its events, with who was told of each planning fact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import msgspec

from domain import gemeenten, ido
from domain.calendar import day_text, local, moment_text
from domain.planning_notices import fact_of, notice_key
from domain.ports import Checkpoint
from infra.queries.boards import Delivery, Told

CHANNELS = {"email": "e-mail", "webhook": "webhook"}


@dataclass(frozen=True)
class Line:
    at: datetime  # local time
    text: str
    actor: str | None
    told: tuple[tuple[str, str], ...] | None  # (state: delivered|pending|failed|none, sentence)


def nl_date(d: date | None) -> str:
    return day_text(d) if d else "—"


def nl_datetime(at: datetime) -> str:
    return moment_text(at)


def _reason(reason: str) -> str:
    """A reason the coordinator typed, as a sentence of its own after the fact: ". Reden: verbouwing"."""
    return f". Reden: {reason.strip()}" if reason.strip() else ""


def slots_text(slots: tuple[ido.Slot, ...]) -> str:
    days: dict[int, list[str]] = {}
    for s in slots:
        days.setdefault(s.weekday, []).append(f"{s.opens}–{s.closes}")
    return "; ".join(f"{ido.WEEKDAYS[d]} {', '.join(t)}" for d, t in sorted(days.items())) or "geen"


def gemeente_text(code: str | None, version: str | None) -> str:
    """ "Amsterdam (GM0363, Noord-Holland)", looked up in the list version the event names."""
    found = gemeenten.lookup(code, version)
    if found is None:
        return code or gemeenten.NO_GEMEENTE
    return f"{found.name} ({found.code}, {found.province})"


def tell(e: msgspec.Struct) -> str:
    match e:
        case ido.IdoRegistered():
            where = "in de bibliotheek" if e.inside_library else "buiten de bibliotheek"
            gemeente = f", gemeente {gemeente_text(e.gemeente, e.gemeente_list)}" if e.gemeente else ""
            return (
                f"IDO aangemeld: {e.name} ({e.branch}), {ido.VARIANT_LABELS[e.variant]}, {where}{gemeente}, "
                f"subsidiejaar {e.subsidy_year}, geplande opening {nl_date(e.planned_opening)}"
            )
        case ido.GemeenteSet():
            return (
                f"Gemeente vastgelegd: {gemeente_text(e.gemeente, e.gemeente_list)} (lijst {e.gemeente_list})"
            )
        case ido.OpeningRescheduled():
            later = (
                f" (later dan het subsidiejaar {e.subsidy_year})" if e.new_date.year > e.subsidy_year else ""
            )
            return f"Opening verzet van {nl_date(e.previous_date)} naar {nl_date(e.new_date)}{later}{_reason(e.reason)}"
        case ido.IdoOpened():
            return f"IDO geopend op {nl_date(e.opened_on)}"
        case ido.OpeningHoursSet():
            holidays = f"; {len(e.holidays)} sluitingsdag(en)" if e.holidays else ""
            return f"Openingstijden vastgelegd: {slots_text(e.slots)}{holidays}"
        case ido.IdoTemporarilyClosed():
            until = f" tot en met {nl_date(e.until)}" if e.until else ""
            return f"Tijdelijk gesloten vanaf {nl_date(e.closed_from)}{until}{_reason(e.reason)}"
        case ido.IdoReopened():
            return f"Heropend op {nl_date(e.reopened_on)}"
        case ido.IdoClosed():
            return f"IDO gesloten op {nl_date(e.closed_on)}{_reason(e.reason)}"
        case ido.OnboardingStepCompleted():
            return f"Stap afgerond: {ido.ONBOARDING_STEPS.get(e.step, e.step)}"
        case ido.OpeningDatePassed():
            return f"De geplande opening van {nl_date(e.planned)} is verstreken zonder opening"
        case ido.SubsidyYearEnded():
            return f"Subsidiejaar {e.subsidy_year} voorbij zonder opening (gepland {nl_date(e.planned)})"
    return type(e).__name__


def _audience(who: str, deliveries: list[Delivery]) -> tuple[str, str]:
    if not deliveries:
        return (
            "none",
            f"{who}: geen e-mailadres of webhook bekend; de melding staat alleen in het {who}-overzicht",
        )
    done = sorted((d for d in deliveries if d.status == "delivered"), key=lambda d: d.channel)
    rest = [d for d in deliveries if d.status != "delivered"]
    label = {d.channel: CHANNELS[d.channel.split(":")[0]] for d in deliveries}
    if done:
        first = min(d.delivered_at for d in done)
        sentence = f"{who} geïnformeerd op {nl_datetime(first)} per "
        sentence += " en ".join(label[d.channel] for d in done)
        sentence += "".join(f"; {label[d.channel]} {_waiting(d)}" for d in rest)
        return "delivered", sentence
    if all(d.status == "failed" for d in rest):
        return "failed", f"{who}: mislukt ({rest[0].last_error or 'onbekende fout'})"
    return "pending", f"{who}: " + "; ".join(f"{label[d.channel]} {_waiting(d)}" for d in rest)


def _waiting(d: Delivery) -> str:
    if d.status == "failed":
        return "mislukt"
    return "nog niet verstuurd" + (" (wordt opnieuw geprobeerd)" if d.attempts else "")


def told_lines(told: Told | None, processed: bool = False) -> tuple[tuple[str, str], ...]:
    """`processed`: the notices projection has passed the event (without a notice: it was recorded before every
    planning fact was told, issue 17)."""
    if told is None and processed:
        return (("none", "Geen melding: vastgelegd voordat elke wijziging in de planning werd doorgegeven"),)
    if told is None:
        return (("pending", "De melding wordt voorbereid: nog niet verstuurd"),)
    lines = [_audience("POI", [d for d in told.deliveries if d.channel.endswith(":poi")])]
    if told.to_kb:
        lines.append(_audience("KB", [d for d in told.deliveries if d.channel.endswith(":kb")]))
    reminders = [d for d in told.deliveries if d.channel == "email:coordinator"]
    if reminders:
        lines.append(_audience("Coördinator", reminders))
    return tuple(lines)


def history(
    recorded: list, told: dict[str, Told], actors: dict[str, str], notices_until: Checkpoint | None = None
) -> list[Line]:
    """Newest first; each planning fact with who was told of it (`told` by the notice's dedupe key;
    `notices_until`: how far the notices projection got)."""
    lines = [
        Line(
            at=local(r.recorded_at),
            text=tell(r.event),
            actor=actors.get(str(r.metadata.get("actor"))),
            told=told_lines(
                told.get(notice_key(r.event_id, r.event)),
                notices_until is not None and not notices_until < r.checkpoint,
            )
            if fact_of(r.event)
            else None,
        )
        for r in recorded
    ]
    return lines[::-1]
