"""The kwartaaloverzicht's two e-mails, in Dutch, plain text and HTML (templates/mail/quarterly_library.* and
quarterly_poi.*): the coordinator's about one library, with its figures from the dashboard's read models and
absolute links (BASE_URL) to the quarter's verantwoording downloads; the POI adviser's about the POI's libraries,
small cells hidden as on the POI board. No personal data but the recipient's address, which only the envelope
holds."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.calendar import day_text
from domain.help_time import decimal, sentence
from domain.quarterly_mail import ORDINALS, poi_section, quarter_text
from domain.report import SUPPRESSED, Cell, Period
from infra.notify import mail
from infra.queries import quarterly
from infra.reports.cells import display
from infra.settings import Settings
from infra.store.db import Database

TOP = 5  # NPD parties and partners named in the coordinator's mail
FORMATS = (("xlsx", "Excel (XLSX)"), ("csv", "CSV"), ("pdf", "PDF"))
KB_FORMATS = (("xlsx", "KB-outputregistratie, Excel (XLSX)"), ("csv", "KB-outputregistratie, CSV"))


@dataclass(frozen=True)
class Letter:
    subject: str
    plain: str
    html: str


def subject(period: Period, about: str) -> str:
    """'Kwartaaloverzicht tweede kwartaal 2026: Bibliotheek Oost'."""
    return f"Kwartaaloverzicht {ORDINALS[period.quarter or 1]} kwartaal {period.year}: {about}"


def _base(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def library_links(settings: Settings, slug: str, period: Period) -> dict[str, object]:
    """Where the coordinator finds the quarter: the verantwoording's files (services/api/reports/pages.py and
    kb_form.py take ?kwartaal=), its page and the dashboard over the same days."""
    base, q = f"{_base(settings)}/t/{slug}", f"?kwartaal={period.quarter}"
    return {
        "downloads": [(label, f"{base}/verantwoording/{period.year}.{fmt}{q}") for fmt, label in FORMATS]
        + [
            (label, f"{base}/verantwoording/kb-outputregistratie/{period.year}.{fmt}{q}")
            for fmt, label in KB_FORMATS
        ],
        "page": f"{base}/verantwoording?jaar={period.year}&kwartaal={period.quarter}",
        "dashboard": f"{base}/dashboard?van={period.first.isoformat()}&tot={period.last.isoformat()}",
    }


def poi_links(settings: Settings, poi_slug: str, period: Period) -> dict[str, object]:
    """The POI board, the POI's verantwoording page of the quarter and its suppressed aggregate's files."""
    base, q = _base(settings), f"?kwartaal={period.quarter}"
    total = f"{base}/poi/verantwoording/totaal/{poi_slug}/{period.year}"
    return {
        "board": f"{base}/poi",
        "page": f"{base}/poi/verantwoording?jaar={period.year}&kwartaal={period.quarter}",
        "downloads": [(label, f"{total}.{fmt}{q}") for fmt, label in FORMATS],
    }


def _common(settings: Settings, period: Period, unsubscribe: str) -> dict[str, object]:
    return {
        "quarter": quarter_text(period),
        "first": day_text(period.first),
        "last": day_text(period.last),
        "unsubscribe": unsubscribe,
        "account": f"{_base(settings)}/account",
    }


def _number(value: int) -> str:
    return display(value)


async def library_letter(
    db: Database, settings: Settings, tenant_id: UUID, period: Period, unsubscribe: str
) -> Letter:
    """The coordinator's mail about their library's quarter."""
    library = await quarterly.library_named(db, tenant_id)
    o = await quarterly.quarter(db, tenant_id, period)
    about = subject(period, library.name)
    figures = {
        "questions": _number(o.total),
        "none": o.total == 0,
        "visitors": _number(o.visitors),
        "per_visitor": decimal(o.per_visitor, 2) if o.per_visitor is not None else "–",
        "time": sentence(o.time.total),
        "parties": [(c.label, _number(c.count)) for c in o.parties[:TOP]],
        "referred": _number(quarterly.referred(o)),
        "partners": [(c.label, _number(c.count)) for c in o.referrals[:TOP]],
    }
    plain, html = mail.render(
        "quarterly_library",
        subject=about,
        library=library.name,
        f=figures,
        links=library_links(settings, library.slug, period),
        **_common(settings, period, unsubscribe),
    )
    return Letter(about, plain, html)


def _cell(value: Cell, column: int) -> str:
    if value == SUPPRESSED or value is None:
        return "–" if value is None else SUPPRESSED
    if isinstance(value, float):  # questions per visitor as on the dashboard, hours as the time spent
        return decimal(value, 2 if column == 3 else 1)
    return display(value)


async def poi_letter(
    db: Database, settings: Settings, poi_id: UUID, period: Period, unsubscribe: str
) -> Letter:
    """The POI adviser's mail: every active library of the POI, its figures with small cells hidden."""
    poi, libraries = await quarterly.poi_named(db, poi_id)
    section = poi_section([await quarterly.figures(db, lib, period) for lib in libraries])
    rows = [[_cell(v, i) for i, v in enumerate(r)] for r in section.rows]
    total = [_cell(v, i) for i, v in enumerate(section.total or ())]
    about = subject(period, poi.name)
    plain, html = mail.render(
        "quarterly_poi",
        subject=about,
        poi=poi.name,
        columns=section.columns,
        rows=rows,
        total=total,
        links=poi_links(settings, poi.slug, period),
        **_common(settings, period, unsubscribe),
    )
    return Letter(about, plain, html)
