"""The POI board (/poi) and the KB's national board (/kb): IDO statuses from the opening-status read model and
the inbox of planning notices with read marks, questions and visitors of a quarter compared with earlier
(services/api/reports/comparison.py), and the IDOs per gemeente with their visitors and questions this year; the
KB's also how many IDOs of each subsidy year opened in time, late or not yet, and the late ones. The KB filters
the IDOs by province, POI, gemeente and status; a POI adviser by status, library and gemeente, and sees only the
libraries of their own POI(s). Figures that leave the library have their small cells hidden."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from domain import ido
from domain.calendar import local_day, year_bounds
from domain.ports import Clock
from domain.report import suppress_section
from domain.survey_results import MIN_LIBRARIES, Shown, for_board, survey_section
from domain.verantwoording import board_gemeente_section, gemeente_order
from infra.queries import boards
from infra.queries import survey as survey_query
from infra.reports.cells import display
from infra.store.db import Database
from services.api.reports.comparison import board_figures
from services.api.scope import KB_ANALYSTS, POI_ADVISERS
from services.api.web import is_partial, page, require_who, see_other

STATUS_LABELS = {s.value: label for s, label in ido.STATUS_LABELS.items()}
STATUS_FILTERS = {
    "gepland": "Gepland",
    "vertraagd": "Vertraagd",
    "open": "Open",
    "tijdelijk_gesloten": "Tijdelijk gesloten",
    "gesloten": "Gesloten",
}
FIGURES = "board-figures"
PARTIALS = {
    "plan-inbox": "planning/partials/_inbox.html.j2",
    "plan-board-locations": "planning/partials/_board_locations.html.j2",
    FIGURES: "comparison/partials/_board.html.j2",
}


@dataclass(frozen=True)
class Board:
    """Whose board: `pois` for a POI adviser, None for the KB (nationwide, notices with to_kb); and what it
    reads with (across libraries), writes read marks with (the app role, in the notice's library) and its clock."""

    base: str
    scope: boards.Scope
    pois: list[UUID] | None
    keys: tuple[str, ...]
    reader: Database
    db: Database
    clock: Clock

    @property
    def is_kb(self) -> bool:
        return self.pois is None


def poi_board(request: Request, reader: Database, db: Database, clock: Clock) -> Board:
    """The board of a POI adviser (the routes are guarded by scope.POI_ADVISERS)."""
    w = require_who(request)
    keys = ("status", "vertraagd", "bibliotheek", "gemeente", "soort", "ongelezen", "kwartaal")
    return Board("/poi", boards.Scope(w.user_id, tuple(w.pois)), w.pois, keys, reader, db, clock)


def kb_board(request: Request, reader: Database, db: Database, clock: Clock) -> Board:
    """The KB's board (the routes are guarded by scope.KB_ANALYSTS)."""
    w = require_who(request)
    keys = ("provincie", "poi", "gemeente", "status", "soort", "ongelezen", "kwartaal")
    return Board("/kb", boards.Scope(w.user_id, kb=True), None, keys, reader, db, clock)


POI = {
    "include_in_schema": False,
    "guards": [POI_ADVISERS],
    "dependencies": {"board": Provide(poi_board, sync_to_thread=False)},
}
KB = {
    "include_in_schema": False,
    "guards": [KB_ANALYSTS],
    "dependencies": {"board": Provide(kb_board, sync_to_thread=False)},
}


def _filters(board: Board, params: Any) -> dict[str, str]:
    return {k: str(params.get(k) or "").strip()[:100] for k in board.keys}


def _location_filters(board: Board, f: dict[str, str], libraries: list) -> dict[str, Any]:
    """Raises: NotFoundException for a library that is not the adviser's."""
    out: dict[str, Any] = {"status": f["status"], "only_delayed": f.get("vertraagd") == "1"}
    if f.get("bibliotheek"):
        lib = next((x for x in libraries if x.slug == f["bibliotheek"]), None)
        if lib is None:
            raise NotFoundException()
        out["tenant_id"] = lib.tenant_id
    if f.get("poi"):
        out["poi_id"] = next((x.poi_id for x in libraries if x.poi_slug == f["poi"]), UUID(int=0))
    if f.get("provincie"):
        out["province"] = f["provincie"]
    if f.get("gemeente"):
        out["gemeente"] = f["gemeente"]
    return out


async def _places(board: Board, libraries: list) -> dict[str, Any]:
    """The filters' choices: the provinces (of the locations, and of the libraries) and the gemeenten the
    board's locations lie in, grouped by province, and whether some location has none."""
    found = await boards.places(board.reader, board.pois)
    groups: dict[str, list[tuple[str, str]]] = {}
    for r in sorted(
        (r for r in found if r.gemeente), key=lambda r: gemeente_order((r.gemeente_name, "", r.province))
    ):
        groups.setdefault(r.province, []).append((r.gemeente, r.gemeente_name))
    return {
        "provinces": sorted({x.province for x in libraries} | {r.province for r in found}),
        "gemeente_groups": sorted(groups.items()),
        "some_without_gemeente": any(r.gemeente is None for r in found),
        "no_gemeente": boards.NO_GEMEENTE,
    }


async def _context(request: Request, board: Board, f: dict[str, str], **extra: Any) -> dict[str, Any]:
    reader = board.reader
    today = local_day(board.clock())
    libraries = await boards.libraries(reader, board.pois)
    where = _location_filters(board, f, libraries)
    ctx = {
        "board": board,
        "base": board.base,
        "f": f,
        "query": urlencode({k: v for k, v in f.items() if v}),
        "libraries": libraries,
        "pois": sorted({(x.poi_slug, x.poi) for x in libraries}, key=lambda p: p[1]),
        "locations": await boards.locations(reader, today, pois=board.pois, filters=where),
        "status_labels": STATUS_LABELS,
        "status_filters": STATUS_FILTERS,
        "notices": await boards.inbox(
            reader, board.scope, kind=f["soort"], unread_only=f["ongelezen"] == "1"
        ),
        "unread": await boards.unread_count(reader, board.scope),
        "kinds": boards.NOTICE_KINDS,
        "steps_total": len(ido.ONBOARDING_STEPS),
        "steps_done": ido.steps_done,
        "today": today,
        "oob_counts": is_partial(request),
        "message": None,
        **extra,
    }
    ctx.update(await _places(board, libraries))
    ctx["cell"] = display
    ctx["survey"], ctx["survey_libraries"] = await _survey(reader, today, board.pois)
    ctx["min_libraries"] = MIN_LIBRARIES
    if board.is_kb:
        ctx["counts"] = await boards.national_counts(reader, today)
        ctx["years"], ctx["late"] = await boards.by_subsidy_year(reader, today)
    return ctx


async def _per_gemeente(board: Board, today: date):
    """Every IDO of the board (the POI's libraries, or all) per gemeente, with their visitors and questions this
    year, small cells hidden. Not narrowed by the filters: a figure for a part of a gemeente (one POI's share, the
    locations without a gemeente of one province) beside the whole would give a hidden cell away by subtraction."""
    first, last = year_bounds(today.year)
    found = await boards.per_gemeente(board.reader, first, last, pois=board.pois)
    rows = [(g.gemeente, g.name, g.province, g.idos, g.open, g.visitors, g.questions) for g in found]
    return suppress_section(board_gemeente_section(rows, today.year))


async def _survey(reader: Database, today: date, pois: list[UUID] | None) -> tuple[Shown | None, int]:
    """The survey this year, summed over the board's libraries (the POI's, or all), small cells hidden: the
    POI and the KB see no library's answers on their own (None below survey_results.MIN_LIBRARIES)."""
    first, last = year_bounds(today.year)
    found = await survey_query.for_board(reader, first, last, pois)
    return for_board(survey_section(found.rows), found.libraries), found.libraries


def _template(board: Board) -> str:
    return "kb/page.html.j2" if board.is_kb else "poi/page.html.j2"


async def _board(request: Request, board: Board) -> Template:
    f = _filters(board, request.query_params)
    ctx = await _context(request, board, f)
    target = request.headers.get("hx-target", "")
    if not is_partial(request) or target == FIGURES:
        ctx["figures"] = await board_figures(
            board.reader, ctx["today"], f["kwartaal"], ctx["libraries"], board.is_kb
        )
    if not (is_partial(request) and target in PARTIALS):  # the whole page
        ctx["gemeente_figures"] = await _per_gemeente(board, ctx["today"])
    return page(request, _template(board), PARTIALS.get(target), **ctx)


async def _notice_or_404(board: Board, notice_id: UUID) -> boards.Notice:
    found = await boards.notice(board.reader, board.scope, notice_id)
    if found is None:
        raise NotFoundException()
    return found


async def _notice_page(request: Request, board: Board, notice_id: UUID) -> Template:
    n = await _notice_or_404(board, notice_id)
    unread = await boards.unread_count(board.reader, board.scope)
    return page(request, "planning/notice.html.j2", board=board, base=board.base, n=n, unread=unread)


async def _mark(request: Request, board: Board, notice_id: UUID | None) -> Response:
    """Mark one notice (or every unread one in scope) as read, as the app role in the notice's library."""
    form = await request.form()
    f = _filters(board, form)
    if notice_id is not None:
        n = await _notice_or_404(board, notice_id)
        targets = [(n.tenant_id, n.notice_id)]
    else:
        unread = await boards.inbox(board.reader, board.scope, unread_only=True)
        targets = [(n.tenant_id, n.notice_id) for n in unread]
    await boards.mark_read(board.db, board.scope.user_id, targets)
    if form.get("terug") == "melding" and notice_id is not None:
        return see_other(f"{board.base}/meldingen/{notice_id}")
    if not is_partial(request):
        query = urlencode({k: v for k, v in f.items() if v})
        return see_other(f"{board.base}?{query}#plan-inbox" if query else f"{board.base}#plan-inbox")
    message = (
        "Melding gemarkeerd als gelezen."
        if notice_id
        else f"{len(targets)} meldingen gemarkeerd als gelezen."
    )
    ctx = await _context(request, board, f, message=message)
    return page(request, _template(board), PARTIALS["plan-inbox"], **ctx)


@get("/poi", **POI)
async def poi_home(request: Request, board: Board) -> Template:
    return await _board(request, board)


@get("/poi/bibliotheken/{slug:str}", **POI)
async def poi_library(request: Request, slug: str, board: Board) -> Template:
    f = {**_filters(board, {}), "bibliotheek": slug}
    ctx = await _context(request, board, f)
    library = next(x for x in ctx["libraries"] if x.slug == slug)
    notices = await boards.inbox(board.reader, board.scope, tenant_id=library.tenant_id)
    return page(request, "poi/library.html.j2", library=library, library_notices=notices, **ctx)


@get("/poi/meldingen/{notice_id:uuid}", **POI)
async def poi_notice(request: Request, notice_id: UUID, board: Board) -> Template:
    return await _notice_page(request, board, notice_id)


@post("/poi/meldingen/{notice_id:uuid}/gelezen", **POI)
async def poi_mark_read(request: Request, notice_id: UUID, board: Board) -> Response:
    return await _mark(request, board, notice_id)


@post("/poi/meldingen/gelezen", **POI)
async def poi_mark_all_read(request: Request, board: Board) -> Response:
    return await _mark(request, board, None)


@get("/kb", **KB)
async def kb_home(request: Request, board: Board) -> Template:
    return await _board(request, board)


@get("/kb/meldingen/{notice_id:uuid}", **KB)
async def kb_notice(request: Request, notice_id: UUID, board: Board) -> Template:
    return await _notice_page(request, board, notice_id)


@post("/kb/meldingen/{notice_id:uuid}/gelezen", **KB)
async def kb_mark_read(request: Request, notice_id: UUID, board: Board) -> Response:
    return await _mark(request, board, notice_id)


@post("/kb/meldingen/gelezen", **KB)
async def kb_mark_all_read(request: Request, board: Board) -> Response:
    return await _mark(request, board, None)


ROUTES = [
    poi_home,
    poi_library,
    poi_notice,
    poi_mark_read,
    poi_mark_all_read,
    kb_home,
    kb_notice,
    kb_mark_read,
    kb_mark_all_read,
]
