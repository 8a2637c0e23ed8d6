"""The boards' questions and visitors of a finished quarter beside the quarter before and the same quarter a year
earlier: per library for a POI adviser, per POI for the KB, with the total; small cells hidden
(docs/comparison.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.comparison import Board, board
from domain.periods import Comparison, Quarter, compare, finished_quarters
from infra.queries import comparison
from infra.store.db import Database

QUARTERS = 12  # the choice: the last three years' finished quarters


@dataclass(frozen=True)
class BoardFigures:
    quarter: Quarter
    quarters: list[Quarter]
    c: Comparison
    figures: Board
    what: str  # the rows: "Bibliotheek" or "POI"


async def board_figures(
    reader: Database, today: date, chosen: str, libraries: list[Any], per_poi: bool
) -> BoardFigures:
    """The quarter `chosen` ("2026-1"; anything else: the last finished one) over the active libraries given
    (the board's scope), per library or per POI. Only finished quarters: a running one would be compared with
    whole ones, and whole quarters only (no years or months, which add up from them) so that no hidden cell
    follows from figures of another choice."""
    quarters = finished_quarters(today, QUARTERS)
    quarter = next((q for q in quarters if q.code == chosen), quarters[0])
    c = compare(quarter.span.first, quarter.span.last)
    active = [x for x in libraries if x.active]
    found = await comparison.per_library(reader, c, [x.tenant_id for x in active])
    if per_poi:
        names: dict[UUID, str] = {x.poi_id: x.poi for x in active}
        pois = sorted(names, key=lambda p: (names[p], str(p)))
        groups = [(names[p], [found[x.tenant_id] for x in active if x.poi_id == p]) for p in pois]
    else:
        groups = [(x.name, [found[x.tenant_id]]) for x in active]
    return BoardFigures(quarter, quarters, c, board(c, groups), "POI" if per_poi else "Bibliotheek")
