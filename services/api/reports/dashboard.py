"""The coordinator's dashboard (/t/{slug}/dashboard): figures over a period as charts, tables and CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from domain.calendar import local_day
from domain.comparison import counted_from, headline, per_label
from domain.errors import DomainError
from domain.help_time import HelpTime, decimal
from domain.periods import Comparison, compare, up_to
from domain.ports import Clock
from domain.report import suppress_section
from domain.survey_results import Shown, shown, survey_section
from domain.verantwoording_referrals import BOTH_WAYS_COLUMNS
from infra.queries import dashboard as figures
from infra.queries import survey as survey_query
from infra.queries.comparison import LibraryFigures
from infra.queries.courses_query import figures_per_programme
from infra.queries.locations import Location
from infra.store.db import Database
from services.api.deps import Locations
from services.api.reports import charts
from services.api.scope import COORDINATOR, Library
from services.api.web import page


@dataclass(frozen=True)
class Table:
    """One figure: its title on the page, and the header row of its table and CSV."""

    title: str
    header: tuple[str, ...]


TIME_COLUMNS = ("Vragen", "Met een duur", "Uren", "Gemiddeld (minuten)")
TABLES = {
    "weeks": Table("Vragen per week", ("Week", "Begint op", "Vragen")),
    "parties": Table("Vragen per NPD-partij", ("NPD-partij", "Vragen")),
    "topics": Table("Top 10 onderwerpen", ("Onderwerp", "Vragen")),
    "help": Table("Hoe geholpen", ("Hoe geholpen", "Vragen")),
    "kinds": Table("Soort vraag", ("Soort vraag", "Vragen")),
    "channels": Table("Kanaal", ("Kanaal", "Vragen")),
    "referrals": Table("Doorverwijzingen per lokale partner", ("Lokale partner", "Doorverwijzingen")),
    "referral_partners": Table("Doorverwijzingen naar en door lokale partners", BOTH_WAYS_COLUMNS),
    "heatmap": Table("Drukte per dag en uur", ("Dag", *(f"{h:02d}:00" for h in range(24)))),
    "visitors": Table("Bezoekers per dag", ("Dag", "Bezoekers", "Vragen", "Vragen per bezoeker")),
    "time_parties": Table("Hulptijd per NPD-partij", ("NPD-partij", *TIME_COLUMNS)),
    "time_topics": Table("Hulptijd per onderwerp", ("Onderwerp", *TIME_COLUMNS)),
    "time_weeks": Table("Hulptijd per week", ("Week", "Begint op", *TIME_COLUMNS)),
    "time_locations": Table("Hulptijd per IDO", ("IDO", *TIME_COLUMNS)),
}
TIME_TABLES = ("time_parties", "time_topics", "time_weeks", "time_locations")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    first: date
    last: date
    location: Location | None

    @property
    def location_id(self) -> UUID | None:
        return self.location.location_id if self.location else None

    @property
    def query(self) -> str:
        """The filters as a query string, for the CSV links."""
        params = {"van": self.first.isoformat(), "tot": self.last.isoformat()}
        if self.location:
            params["locatie"] = str(self.location.location_id)
        return urlencode(params)


def _filters(request: Request, today: date, locations: list[Location]) -> Filters:
    """Raises: DomainError for a bad period or a location that is not one of the library's."""
    params = request.query_params
    first, last = figures.period(params.get("van", ""), params.get("tot", ""), today)
    wanted = (params.get("locatie") or "").strip()
    location = next((x for x in locations if str(x.location_id) == wanted), None)
    if wanted and location is None:
        raise DomainError("Kies een IDO van uw bibliotheek, of Alle IDO's.", field="locatie")
    return Filters(first, last, location)


class DashboardController(Controller):
    path = "/t/{slug:str}/dashboard"
    dependencies = {"lib": COORDINATOR}

    @get("/", include_in_schema=False)
    async def dashboard(
        self, request: Request, lib: Library, db: Database, locations: Locations, clock: Clock
    ) -> Template:
        known = await locations(lib.tenant_id)
        values = {k: request.query_params.get(k, "") for k in ("van", "tot", "locatie")}
        ctx: dict[str, Any] = {"lib": lib, "locations": known, "tables": TABLES, "values": values}
        today = local_day(clock())
        try:
            f = _filters(request, today, known)
        except DomainError as err:
            return _page(request, status=422, error=err, filters=None, **ctx)
        c = up_to(compare(f.first, f.last), today)
        o = await figures.overview(
            db, lib.tenant_id, f.first, f.last, f.location_id, _places(known), compared=c
        )
        ctx["compared"] = compared(c, o.compared)
        ctx["courses"] = await figures_per_programme(db, lib.tenant_id, f.first, f.last, f.location_id)
        ctx["survey"] = await survey_results(db, lib.tenant_id, f)
        shown = [f.location] if f.location else known
        values = {"van": f.first.isoformat(), "tot": f.last.isoformat(), "locatie": values["locatie"]}
        ctx["values"] = values
        return _page(request, error=None, filters=f, overview=o, charts=_charts(o, shown, f), **ctx)

    @get("/{filename:str}", include_in_schema=False)
    async def download(
        self, request: Request, lib: Library, filename: str, db: Database, locations: Locations, clock: Clock
    ) -> Response:
        table = filename.removesuffix(".csv")
        if not filename.endswith(".csv") or table not in TABLES:
            raise NotFoundException()
        # a DomainError becomes a 422 page
        known = await locations(lib.tenant_id)
        f = _filters(request, local_day(clock()), known)
        o = await figures.overview(db, lib.tenant_id, f.first, f.last, f.location_id, _places(known))
        rows = _rows(o, table)
        name = f"{lib.slug}-{table}-{f.first.isoformat()}-{f.last.isoformat()}.csv"
        return Response(
            content=to_csv(TABLES[table].header, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def compared(c: Comparison, found: LibraryFigures | None) -> dict[str, Any] | None:
    """The headline figures and the parties beside the previous period and a year earlier (not suppressed: the
    coordinator's own figures)."""
    if found is None:
        return None
    hours = [t.hours for t in found.time]
    return {
        "c": c,
        "headline": headline(c, found.questions, found.visitors, hours, found.since),
        "parties": per_label(c, found.parties, found.since),
        "since_note": counted_from(c, found.since),
    }


async def survey_results(db: Database, tenant_id: UUID, f: Filters) -> Shown:
    """The survey's results over the filters, small cells hidden (domain/survey_results.py)."""
    rows = await survey_query.for_dashboard(db, tenant_id, f.first, f.last, f.location_id)
    return shown(suppress_section(survey_section(rows)))


def _page(request: Request, status: int = 200, **ctx: Any) -> Template:
    return page(
        request, "dashboard/page.html.j2", "dashboard/partials/_results.html.j2", status=status, **ctx
    )


def _places(locations: list[Location]) -> dict[UUID, str]:
    return {x.location_id: x.name for x in locations}


def _charts(o: figures.Overview, locations: list[Location], f: Filters) -> dict[str, Any]:
    return {
        "visitors": charts.daily(o.days, f.first, f.last),
        "weeks": charts.columns(o.weeks),
        "parties": charts.hbars(o.parties),
        "topics": charts.hbars(o.topics),
        "help": charts.hbars(o.help),
        "kinds": charts.hbars(o.kinds),
        "channels": charts.hbars(o.channels),
        "referrals": charts.hbars(o.referrals),
        "heatmap": charts.heatmap(o.heatmap, locations),
    }


def _rows(o: figures.Overview, table: str) -> list[tuple[Any, ...]]:
    """The CSV rows of one table of the overview (the same snapshot the page shows)."""
    if table == "weeks":
        return [(f"{w.year}-W{w.week:02d}", w.monday.isoformat(), w.count) for w in o.weeks]
    if table == "heatmap":
        return [(charts.DAYS[d], *row) for d, row in enumerate(o.heatmap.counts)]
    if table == "visitors":
        return [(d.day.isoformat(), d.visitors, d.questions, _decimal(d.per_visitor, 2)) for d in o.days]
    if table == "time_weeks":
        return [(_iso_week(w.code), w.code, *time_cells(w.time)) for w in o.time.weeks]
    if table == "referral_partners":
        s = o.referral_partners
        return [*s.rows, *([s.total] if s.total else [])]
    if table in TIME_TABLES:
        return [(x.label, *time_cells(x.time)) for x in getattr(o.time, table.removeprefix("time_"))]
    return [(c.label, c.count) for c in getattr(o, table)]


def _decimal(value: float | None, places: int = 1) -> str:
    return "" if value is None else decimal(value, places)


def _iso_week(monday: str) -> str:
    year, week, _ = date.fromisoformat(monday).isocalendar()
    return f"{year}-W{week:02d}"


def time_cells(t: HelpTime) -> tuple[Any, ...]:
    """Questions, those with a duration, hours (one decimal) and minutes per question with a duration."""
    return (t.questions, t.timed, _decimal(t.hours) if t.timed else "", _decimal(t.average))


def _cell(value: Any) -> str:
    """A spreadsheet must not read a name like '=HYPERLINK(…)' as a formula."""
    s = str(value)
    return "'" + s if s.startswith(FORMULA_START) else s


def to_csv(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    """Semicolon-separated UTF-8 with a BOM, as Excel with Dutch settings opens it."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
