"""A library with a known set of events for the verantwoording tests, and readers of the three formats."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

import openpyxl
import pypdf

from domain import courses as c
from domain import ido
from domain import questions as q
from domain.calendar import TZ
from domain.ports import NewEvent
from domain.report import Report
from infra.platform.partners import Partners
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from infra.reports.cells import csv_cell, display
from tests.clock import NOW, TODAY
from tests.e2e.conftest import Lib, make_library
from tests.projections import caught_up

YEAR = TODAY.year - 1  # a whole year that has ended
EVIL = '=HYPERLINK("http://evil.example/x","klik hier")'
EVIL_COURSE = "=1+1 cursus"


@dataclass(frozen=True)
class Known:
    lib: Lib
    north: UUID  # a second IDO, open all year, without any registration
    partner: UUID


def at(month: int, day: int = 10, hour: int = 11) -> datetime:
    return datetime(YEAR, month, day, hour, tzinfo=TZ)


async def append(container, lib: Lib, stream: str, events, expected: int = 0) -> None:
    await container.events.append(lib.tenant_id, stream, [NewEvent(uuid4(), e) for e in events], expected)


async def open_location(
    container, lib: Lib, location_id: UUID, name: str | None = None, gemeente: str = "", inside: bool = True
) -> None:
    if name is not None:
        cmd = ido.RegisterIdo(
            tenant_id=lib.tenant_id,
            location_id=location_id,
            name=name,
            branch="Noord",
            variant=ido.Variant.BREDE_DIENSTVERLENING,
            inside_library=inside,
            subsidy_year=YEAR,
            planned_opening=date(YEAR, 1, 1),
            gemeente=gemeente,
        )
        await append(container, lib, ido.stream_id(location_id), ido.register(cmd, date(YEAR, 1, 1)))
    recorded = await container.events.read_stream(lib.tenant_id, ido.stream_id(location_id))
    state = ido.fold(location_id, [r.event for r in recorded])
    opened = ido.open_ido(state, date(YEAR, 1, 1), TODAY)
    await append(container, lib, ido.stream_id(location_id), opened, state.version)


async def ask(container, lib: Lib, when: datetime, party: str, topic: str, help_: str, **kw) -> q.Question:
    """Register one question; answer its state, for a later correction."""
    partners = frozenset(kw[k] for k in ("partner_id", "referred_by_partner_id") if kw.get(k))
    ctx = q.DeskContext(now=NOW, locations={lib.location_id: date(2020, 1, 1)}, partners=partners)
    cmd = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=kw.pop("visit_id", None) or uuid4(),
        location_id=lib.location_id,
        npd_party=party,
        topic=topic,
        help=help_,
        asked_at=when,
        **kw,
    )
    events = q.register(cmd, ctx)
    await append(container, lib, q.stream_id(cmd.question_id), events)
    return q.fold(cmd.question_id, events)


async def tally(
    container, lib: Lib, when: datetime, party: str, count: int, visitors: int | None = None
) -> None:
    ctx = q.DeskContext(now=NOW, locations={lib.location_id: date(2020, 1, 1)}, partners=frozenset())
    cmd = q.TallyQuestions(
        question_id=uuid4(),
        location_id=lib.location_id,
        hour_start=when,
        npd_party=party,
        count=count,
        visitors=visitors,
    )
    await append(container, lib, q.stream_id(cmd.question_id), q.tally(cmd, ctx))


async def course(container, lib: Lib) -> None:
    """An own course with a formula-looking name: 3 enrolled (1 via the desk), 2 present, 1 completed."""
    course_id = uuid4()
    stream = c.stream_id(course_id)
    events = c.schedule(
        course_id,
        c.Programme.OWN,
        EVIL_COURSE,
        lib.location_id,
        {lib.location_id},
        date(YEAR, 3, 3),
        2,
        12,
        TODAY,
    )
    s = c.fold(course_id, events)
    for code, via in (("AAAA", uuid4()), ("BBBB", None), ("CCCC", None)):
        events += c.enrol(s, code, via)
        s = c.fold(course_id, events)
    events += c.record_attendance(s, 1, date(YEAR, 3, 3), ["AAAA", "BBBB"])
    s = c.fold(course_id, events)
    events += c.complete(s, ["AAAA"])
    await append(container, lib, stream, events)


async def project(container, lib: Lib) -> None:
    runner = Runner(container.db, container.events, all_projections(container.settings, container.events))
    await caught_up(runner, lib.tenant_id)


async def known_library(container, poi_slug: str | None = None) -> Known:
    """Year YEAR: January 3 CBR (wegwijzer; the first of a visitor the partner EVIL sent) + 2 Belastingdienst
    (samen gezocht); February 1 SVB referred to the partner EVIL, warm; March 1 library-service question; April
    nothing; June only a tally of 7 CBR; May and July to December 1 CBR each. Digital government: 20 (CBR 17),
    other kinds 1.
    Visitors 16: one per question, except the two Belastingdienst questions (one visit on 6 January) and the
    tally (3 visitors). The main IDO (in the library) has no gemeente; IDO Noord lies outside the library in
    Leeuwarden (GM0080, Fryslân). Durations: CBR 3 January 0-5 and 4 January 5-15 minutes (week 1), both Belastingdienst
    15-30 (week 2), SVB 30+: 5 questions with a duration, 2.5 + 10 + 2 × 22.5 + 45 = 102.5 minutes."""
    lib = await make_library(container, poi_slug)
    partner = await Partners(container.db).add(lib.tenant_id, {"name": EVIL, "kind": "formulierenbrigade"})
    await open_location(container, lib, lib.location_id)
    north = uuid4()
    await open_location(container, lib, north, "IDO Noord", gemeente="GM0080", inside=False)
    for day, duration in ((3, "0-5"), (4, "5-15"), (5, None)):
        sent = {"referred_by_partner_id": partner} if day == 3 else {}
        await ask(
            container, lib, at(1, day), "cbr", "cbr.rijbewijs_75", "wegwijzer", duration=duration, **sent
        )
    visit = uuid4()
    for minute in (0, 20):
        await ask(
            container,
            lib,
            at(1, 6).replace(minute=minute),
            "belastingdienst",
            "belastingdienst.toeslagen",
            "samen_gezocht",
            visit_id=visit,
            duration="15-30",
        )
    await ask(
        container,
        lib,
        at(2),
        "svb",
        "svb.aow",
        "lokale_partner",
        partner_id=partner,
        warmth="warm",
        duration="30+",
    )
    await ask(
        container, lib, at(3), "geen_overheid", "geen_overheid.bank", "wegwijzer", kind="bibliotheekdienst"
    )
    for month in (5, 7, 8, 9, 10, 11, 12):
        await ask(container, lib, at(month), "cbr", "cbr.rijbewijs_75", "wegwijzer")
    await tally(container, lib, at(6), "cbr", 7, visitors=3)
    await course(container, lib)
    await project(container, lib)
    return Known(lib, north, partner)


# Reading the formats back


def xlsx_sheets(content: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return _flat(" ".join(page.extract_text() for page in reader.pages))


def _flat(text: str) -> str:
    """One line, and a cell wrapped after a hyphen or a slash ("e-\noverheid", "Belastingdienst/\nToeslagen")
    joined again."""
    return re.sub(r"\s+", " ", text).replace("- ", "-").replace("/ ", "/")


def xlsx_value(v):
    """What openpyxl gives back for a cell we wrote (dates come back as datetimes)."""
    return v.date() if isinstance(v, datetime) else v


def assert_same_figures(report: Report, xlsx: bytes, csv_content: bytes, pdf: bytes) -> None:
    """Every row of every section, with every number, is in all three files."""
    sheets = xlsx_sheets(xlsx)
    rows = csv_rows(csv_content)
    text = pdf_text(pdf)
    for s in report.sections:
        sheet = next(v for v in sheets.values() if v and v[0] and v[0][0] == s.title)
        body = [tuple(xlsx_value(x) for x in r[: len(s.columns)]) for r in sheet[3:]]
        expected = [*s.rows, *([s.total] if s.total else [])]
        assert [tuple(None if v == "" else v for v in row) for row in expected] == [
            tuple(None if v == "" else v for v in row) for row in body
        ], s.key
        start = rows.index([csv_cell(s.title)])
        assert rows[start + 1] == list(s.columns)
        block = rows[start + 2 : start + 2 + len(expected)]
        assert block == [[csv_cell(v) for v in row] for row in expected], s.key
        for row in expected:
            line = _flat(" ".join(display(v) for v in row if display(v) != ""))
            assert line in text, f"{s.key}: {line!r} not in the PDF"
