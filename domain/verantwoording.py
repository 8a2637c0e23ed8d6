"""Builders of the verantwoording: plain read-model rows of one library in, the report's sections out (pure).
Aggregates (POI, national) are sums of library reports: see domain/verantwoording_aggregate.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from domain.calendar import week_start
from domain.catalogue import CATALOGUE, Catalogue
from domain.completeness import LocationRow, MonthCount, month_counts, warnings
from domain.courses import PROGRAMME_LABELS, Programme
from domain.gemeenten import NO_GEMEENTE
from domain.help_time import HelpTime
from domain.ido import STATUS_LABELS, VARIANT_LABELS
from domain.report import Cell, Period, Ratio, Report, Section, month_label, with_ratios
from domain.survey_results import SurveyRow, survey_section
from domain.verantwoording_referrals import (
    UNLISTED_PARTNER,
    ReferralRow,
    of_kinds,
    partner_section,
    referral_kind_section,
    referred_by_kind_section,
    warmth_section,
)

DIGITAL = "digitale_overheid"
NOT_RECORDED = "Niet vastgelegd (alleen geteld)"
CANCELLED = "geannuleerd"
COURSE_STATUS_LABELS = {"gepland": "Gepland", "afgerond": "Afgerond", "geannuleerd": "Geannuleerd"}
UNKNOWN_LOCATION = "Onbekende locatie"
INSIDE_LABELS = {True: "In de bibliotheek", False: "Buiten de bibliotheek", None: "Onbekend"}
GEMEENTE_COLUMNS = ("Gemeente", "Gemeentecode (CBS)", "Provincie")


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """rm_question_counts_v1 summed per month (first day); topic and help are '' for tallies."""

    month: date
    location_id: UUID
    npd_party: str
    topic: str
    kind: str
    help: str
    count: int


@dataclass(frozen=True, slots=True)
class CourseRow:
    programme: str
    title: str
    location_id: UUID
    start_date: date
    status: str
    enrolled: int
    cursisten: int
    completed: int
    via_desk: int
    cursisten_via_desk: int


@dataclass(frozen=True, slots=True)
class VisitRow:
    """rm_visitors_v1 summed per month (first day) and location: visitors (one per visit, in the cell of its
    first question) and questions."""

    month: date
    location_id: UUID
    visitors: int
    questions: int


@dataclass(frozen=True, slots=True)
class TimeWhatRow:
    """rm_help_time_v1 summed over the period per party, topic ('' for tallies) and duration class ('' none)."""

    npd_party: str
    topic: str
    duration: str
    count: int


@dataclass(frozen=True, slots=True)
class TimeWhenRow:
    """rm_help_time_v1 summed per ISO week (its Monday) and location, per duration class ('' none)."""

    week: date
    location_id: UUID
    duration: str
    count: int


@dataclass(frozen=True)
class LibraryData:
    tenant_id: UUID
    slug: str
    name: str
    poi: str
    province: str
    questions: tuple[QuestionRow, ...]
    referrals: tuple[ReferralRow, ...]
    courses: tuple[CourseRow, ...]
    locations: tuple[LocationRow, ...]
    visits: tuple[VisitRow, ...] = ()
    time_what: tuple[TimeWhatRow, ...] = ()
    time_when: tuple[TimeWhenRow, ...] = ()
    survey: tuple[SurveyRow, ...] = ()  # rm_survey_v1 over the period (domain/survey_results.py)


def _sum(rows: Iterable, key: Callable[..., Hashable]) -> dict:
    out: dict = defaultdict(int)
    for r in rows:
        out[key(r)] += r.count
    return out


def _counts(
    key: str, title: str, columns: tuple[str, ...], labelled: list[tuple[tuple[Cell, ...], int]]
) -> Section:
    """A section of label(s) and one count column, with a total."""
    rows = tuple((*labels, n) for labels, n in labelled)
    total = ("Totaal", *([""] * (len(columns) - 2)), sum(n for _, n in labelled))
    return Section(key, title, columns, rows, (len(columns) - 1,), total)


def kinds_section(rows: Iterable[QuestionRow], cat: Catalogue = CATALOGUE) -> Section:
    per = _sum(rows, lambda r: r.kind)
    known = [((o.kb_category,), per.pop(o.code, 0)) for o in cat.question_kinds]
    unknown = [((f"Onbekend ({code})",), n) for code, n in sorted(per.items())]
    return _counts("soort", "Vragen per soort", ("Soort vraag", "Vragen"), known + unknown)


def _party_category(code: str, cat: Catalogue) -> str:
    known = _party_categories(cat)
    return known[code] if code in known else f"Onbekend ({code})"


_CATEGORIES: dict[str, dict[str, str]] = {}


def _party_categories(cat: Catalogue) -> dict[str, str]:
    if cat.version not in _CATEGORIES:
        _CATEGORIES[cat.version] = {p.code: p.kb_category for p in cat.parties}
    return _CATEGORIES[cat.version]


def collapse(rows: Iterable[QuestionRow], by_what: bool) -> list[QuestionRow]:
    """Sum rows that differ only in what the sections at hand ignore: month and location (by_what) or party,
    topic and help (not by_what). The sections read hundreds of rows instead of tens of thousands."""
    acc: dict[tuple, int] = defaultdict(int)
    if by_what:
        for r in rows:
            acc[(r.npd_party, r.topic, r.kind, r.help, r.topic == "")] += r.count
        return [QuestionRow(_NO_MONTH, _NO_PLACE, p, t, k, h, n) for (p, t, k, h, _), n in acc.items()]
    for r in rows:
        acc[(r.month, r.location_id, r.kind, r.topic == "")] += r.count
    return [QuestionRow(m, loc, "", "" if tally else "*", k, "", n) for (m, loc, k, tally), n in acc.items()]


_NO_MONTH = date(1, 1, 1)
_NO_PLACE = UUID(int=0)


def party_section(rows: Iterable[QuestionRow], cat: Catalogue = CATALOGUE) -> Section:
    """Every KB category (zeros too, so every library has the same rows), digital-government questions."""
    per = _sum((r for r in rows if r.kind == DIGITAL), lambda r: _party_category(r.npd_party, cat))
    categories = list(dict.fromkeys(p.kb_category for p in cat.parties))
    labelled = [((c,), per.pop(c, 0)) for c in categories] + [((c,), n) for c, n in sorted(per.items())]
    return _counts(
        "npd", "Vragen digitale overheid per NPD-partij", ("NPD-partij (KB-categorie)", "Vragen"), labelled
    )


def _topic_key(r: QuestionRow | TimeWhatRow, cat: Catalogue) -> tuple[str, str]:
    party = _party_category(r.npd_party, cat)
    if not r.topic:
        return party, NOT_RECORDED
    try:
        return party, cat.topic(r.topic).kb_category
    except Exception:  # a topic of an older catalogue version
        return party, f"Onbekend ({r.topic})"


def topic_section(rows: Iterable[QuestionRow], cat: Catalogue = CATALOGUE) -> Section:
    per = _sum((r for r in rows if r.kind == DIGITAL), lambda r: _topic_key(r, cat))
    order = {t.kb_category: i for i, t in enumerate(cat.topics())}
    parties = {c: i for i, c in enumerate(dict.fromkeys(p.kb_category for p in cat.parties))}
    keys = sorted(per, key=lambda k: (parties.get(k[0], 999), order.get(k[1], 9999), k))
    return _counts(
        "onderwerp",
        "Vragen digitale overheid per onderwerp",
        ("NPD-partij (KB-categorie)", "Onderwerp (KB-categorie)", "Vragen"),
        [(k, per[k]) for k in keys if per[k]],
    )


def help_section(rows: Iterable[QuestionRow], cat: Catalogue = CATALOGUE) -> Section:
    per = _sum((r for r in rows if r.kind == DIGITAL), lambda r: r.help)
    labelled = [((o.kb_category,), per.pop(o.code, 0)) for o in cat.help_kinds]
    if per.get("", 0):
        labelled.append(((NOT_RECORDED,), per.pop("")))
    labelled += [((f"Onbekend ({c})",), n) for c, n in sorted(per.items())]
    return _counts("hulp", "Hoe geholpen (vragen digitale overheid)", ("Hoe geholpen", "Vragen"), labelled)


def kind_columns(cat: Catalogue = CATALOGUE) -> tuple[str, ...]:
    return tuple(o.kb_category for o in cat.question_kinds)


def per_kind_section(
    key: str, title: str, first: str, places: list[tuple[str, list[QuestionRow]]], cat: Catalogue = CATALOGUE
) -> Section:
    """One row per place (a location, a month or a library), one count column per kind of question."""
    codes = [o.code for o in cat.question_kinds]
    rows = []
    for label, rs in places:
        per = _sum(rs, lambda r: r.kind)
        rows.append((label, *(per.get(c, 0) for c in codes)))
    total = ("Totaal", *(sum(r[i + 1] for r in rows) for i in range(len(codes))))  # type: ignore[misc]
    return Section(
        key, title, (first, *kind_columns(cat)), tuple(rows), tuple(range(1, len(codes) + 1)), total
    )


def location_section(rows: list[QuestionRow], locations: Iterable[LocationRow]) -> Section:
    by_location: dict[UUID, list[QuestionRow]] = defaultdict(list)
    for r in rows:
        by_location[r.location_id].append(r)
    places = [(x.name, by_location.pop(x.location_id, [])) for x in sorted(locations, key=lambda x: x.name)]
    if by_location:
        places.append((UNKNOWN_LOCATION, [r for rs in by_location.values() for r in rs]))
    return per_kind_section("locatie", "Vragen per IDO-locatie", "IDO-locatie", places)


def month_section(rows: list[QuestionRow], period: Period) -> Section:
    by_month: dict[date, list[QuestionRow]] = defaultdict(list)
    for r in rows:
        by_month[r.month].append(r)
    places = [(month_label(m), by_month.get(m, [])) for m in period.month_starts()]
    return per_kind_section("maand", "Vragen per maand", "Maand", places)


VISITOR_COLUMNS = ("Bezoekers", "Vragen", "Vragen per bezoeker")
TIME_COLUMNS = ("Vragen", "Met een duur", "Minuten", "Uren", "Gemiddeld (minuten)")


def visitor_section(key: str, title: str, first: str, places: list[tuple[Cell, int, int]]) -> Section:
    """One row per place (a location, a month, a library): visitors, questions and questions per visitor."""
    rows = tuple((label, v, n, None) for label, v, n in places)
    total = ("Totaal", sum(r[1] for r in rows), sum(r[2] for r in rows), None)  # type: ignore[misc]
    section = Section(key, title, (first, *VISITOR_COLUMNS), rows, (1, 2), total, ratios=(Ratio(3, 2, 1),))
    return with_ratios(section)


def visits_per_location(visits: Iterable[VisitRow], locations: Iterable[LocationRow]) -> Section:
    per: dict[UUID, list[int]] = defaultdict(lambda: [0, 0])
    for r in visits:
        per[r.location_id][0] += r.visitors
        per[r.location_id][1] += r.questions
    places: list[tuple[Cell, int, int]] = []
    for x in sorted(locations, key=lambda x: x.name):
        v, n = per.pop(x.location_id, [0, 0])
        places.append((x.name, v, n))
    if per:
        places.append(("Onbekende locatie", sum(v for v, _ in per.values()), sum(n for _, n in per.values())))
    return visitor_section("bezoekers", "Bezoekers per IDO-locatie", "IDO-locatie", places)


def gemeente_of(x: LocationRow) -> tuple[str, str, str]:
    """The location's gemeente as report cells: name, CBS code and province, or "Geen gemeente opgegeven"."""
    if not x.gemeente:
        return (NO_GEMEENTE, "", "")
    return (x.gemeente_name or x.gemeente, x.gemeente, x.gemeente_province or "")


def gemeente_order(labels: tuple[Cell, ...]) -> tuple:
    """By province and name; no gemeente and an unknown location last."""
    name, _, province = labels[:3]
    return (
        name in (NO_GEMEENTE, UNKNOWN_LOCATION),
        name == UNKNOWN_LOCATION,
        str(province),
        str(name).lstrip("'"),
    )


def visits_per_gemeente(visits: Iterable[VisitRow], locations: Iterable[LocationRow]) -> Section:
    """Visitors and questions per gemeente of the locations: every gemeente a location lies in (zeros too), the
    locations without a gemeente as "Geen gemeente opgegeven", and figures of a location the read model does not
    know as "Onbekende locatie", so the rows add up to every visitor and question."""
    where = {x.location_id: gemeente_of(x) for x in locations}
    per: dict[tuple[str, str, str], list[int]] = {g: [0, 0] for g in where.values()}
    for r in visits:
        acc = per.setdefault(where.get(r.location_id, (UNKNOWN_LOCATION, "", "")), [0, 0])
        acc[0] += r.visitors
        acc[1] += r.questions
    rows = tuple((*g, per[g][0], per[g][1], None) for g in sorted(per, key=gemeente_order))
    total = ("Totaal", "", "", sum(v for v, _ in per.values()), sum(n for _, n in per.values()), None)
    return gemeente_section(rows, total)


def gemeente_section(rows: tuple[tuple[Cell, ...], ...], total: tuple[Cell, ...]) -> Section:
    columns = (*GEMEENTE_COLUMNS, *VISITOR_COLUMNS)
    section = Section(
        "gemeente", "Bezoekers en vragen per gemeente", columns, rows, (3, 4), total, ratios=(Ratio(5, 4, 3),)
    )
    return with_ratios(section)


BOARD_GEMEENTE_COLUMNS = (*GEMEENTE_COLUMNS, "IDO's", "Waarvan open", "Bezoekers", "Vragen")


def board_gemeente_section(
    rows: Iterable[tuple[str | None, str | None, str | None, int, int, int, int]], year: int
) -> Section:
    """For the POI's and the KB's boards: per gemeente (code, name, province; code None: the locations without
    one) the IDOs, how many are open, and their visitors and questions in `year`. The visitors and questions
    leave the library: the caller suppresses them (domain.report.suppress_section); the IDOs are on the board
    by name anyway."""
    body = [
        ((NO_GEMEENTE, "", "") if not code else (name or code, code, province or ""), idos, open_, v, n)
        for code, name, province, idos, open_, v, n in rows
    ]
    body.sort(key=lambda r: gemeente_order(r[0]))
    out = tuple((*g, idos, open_, v, n) for g, idos, open_, v, n in body)
    total = ("Totaal", "", "", *(sum(int(r[i]) for r in out) for i in range(3, 7)))  # type: ignore[call-overload]
    title = f"IDO's per gemeente, met hun bezoekers en vragen in {year}"
    return Section("gemeente_board", title, BOARD_GEMEENTE_COLUMNS, out, (5, 6), total)


def visits_per_month(visits: Iterable[VisitRow], period: Period) -> Section:
    per: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for r in visits:
        per[r.month][0] += r.visitors
        per[r.month][1] += r.questions
    places = [(month_label(m), *per.get(m, [0, 0])) for m in period.month_starts()]
    return visitor_section("bezoekers_maand", "Bezoekers per maand", "Maand", places)  # type: ignore[arg-type]


def time_section(
    key: str, title: str, labels: tuple[str, ...], rows: list[tuple[tuple[Cell, ...], HelpTime]]
) -> Section:
    """Time spent: questions, those with a duration, the minutes these took (minutes per duration class:
    domain/help_time.py; halves, so they add up exactly), in hours, and per question with a duration."""
    n = len(labels)
    body = tuple((*lab, t.questions, t.timed, t.minutes, None, None) for lab, t in rows)
    all_ = sum((t for _, t in rows), HelpTime())
    total = ("Totaal", *([""] * (n - 1)), all_.questions, all_.timed, all_.minutes, None, None)
    section = Section(
        key,
        title,
        (*labels, *TIME_COLUMNS),
        body,
        (n, n + 1),
        total,
        measures=((n + 2, n + 1),),
        ratios=(Ratio(n + 3, n + 2, None, 60), Ratio(n + 4, n + 2, n + 1, places=1)),
    )
    return with_ratios(section)


def _time_of(rows: Iterable, key: Callable[..., Hashable]) -> dict:
    out: dict = defaultdict(HelpTime)
    for r in rows:
        out[key(r)] = out[key(r)].add(r.duration, r.count)
    return out


def time_party_section(rows: Iterable[TimeWhatRow], cat: Catalogue = CATALOGUE) -> Section:
    """Every KB category (zeros too, so that libraries have the same rows), every kind of question."""
    per = _time_of(rows, lambda r: _party_category(r.npd_party, cat))
    categories = list(dict.fromkeys(p.kb_category for p in cat.parties))
    labelled = [((c,), per.pop(c, HelpTime())) for c in categories] + [
        ((c,), t) for c, t in sorted(per.items())
    ]
    return time_section("tijd_partij", "Hulptijd per NPD-partij", ("NPD-partij (KB-categorie)",), labelled)


def time_topic_section(rows: Iterable[TimeWhatRow], cat: Catalogue = CATALOGUE) -> Section:
    per = _time_of(rows, lambda r: _topic_key(r, cat))
    order = {t.kb_category: i for i, t in enumerate(cat.topics())}
    parties = {c: i for i, c in enumerate(dict.fromkeys(p.kb_category for p in cat.parties))}
    keys = sorted(per, key=lambda k: (parties.get(k[0], 999), order.get(k[1], 9999), k))
    return time_section(
        "tijd_onderwerp",
        "Hulptijd per onderwerp",
        ("NPD-partij (KB-categorie)", "Onderwerp (KB-categorie)"),
        [(k, per[k]) for k in keys if per[k].questions],
    )


def time_week_section(rows: Iterable[TimeWhenRow], period: Period) -> Section:
    """Every ISO week that has a day in the period; a week at either end counts only its days in the period."""
    per = _time_of(rows, lambda r: r.week)
    weeks, monday = [], week_start(period.first)
    while monday <= period.last:
        year, week, _ = monday.isocalendar()
        weeks.append(((f"week {week} {year}", monday), per.get(monday, HelpTime())))
        monday += timedelta(days=7)
    return time_section("tijd_week", "Hulptijd per week", ("Week", "Begint op"), weeks)


def time_location_section(rows: Iterable[TimeWhenRow], locations: Iterable[LocationRow]) -> Section:
    per = _time_of(rows, lambda r: r.location_id)
    places: list[tuple[tuple[Cell, ...], HelpTime]] = []
    for x in sorted(locations, key=lambda x: x.name):
        places.append(((x.name,), per.pop(x.location_id, HelpTime())))
    if per:
        places.append((("Onbekende locatie",), sum(per.values(), HelpTime())))
    return time_section("tijd_locatie", "Hulptijd per IDO-locatie", ("IDO-locatie",), places)


COURSE_COLUMNS = (
    "Cursussen",
    "Ingeschreven",
    "Cursisten",
    "Afgerond",
    "Ingeschreven via de IDO-balie",
    "Cursisten via de IDO-balie",
)


def programme_section(courses: Iterable[CourseRow]) -> Section:
    """Courses that started in the period and were not cancelled, per programme (every programme listed)."""
    per: dict[str, list[int]] = {p.value: [0] * len(COURSE_COLUMNS) for p in Programme}
    for c in courses:
        if c.status == CANCELLED:
            continue
        figures = (1, c.enrolled, c.cursisten, c.completed, c.via_desk, c.cursisten_via_desk)
        acc = per.setdefault(c.programme, [0] * len(COURSE_COLUMNS))
        per[c.programme] = [a + b for a, b in zip(acc, figures, strict=True)]
    labels = {p.value: label for p, label in PROGRAMME_LABELS.items()}
    rows = tuple((labels.get(code, f"Onbekend ({code})"), *v) for code, v in per.items())
    total = ("Totaal", *(sum(r[i] for r in rows) for i in range(1, len(COURSE_COLUMNS) + 1)))  # type: ignore[misc]
    counts = tuple(range(1, len(COURSE_COLUMNS) + 1))
    return Section(
        "cursisten", "Cursisten per programma", ("Programma", *COURSE_COLUMNS), rows, counts, total
    )


def course_list_section(courses: Iterable[CourseRow], locations: Iterable[LocationRow]) -> Section:
    names = {x.location_id: x.name for x in locations}
    labels = {p.value: label for p, label in PROGRAMME_LABELS.items()}
    rows = tuple(
        (
            labels.get(c.programme, c.programme),
            c.title,
            names.get(c.location_id, "Onbekende locatie"),
            c.start_date,
            COURSE_STATUS_LABELS.get(c.status, c.status),
            c.enrolled,
            c.cursisten,
            c.completed,
        )
        for c in sorted(courses, key=lambda c: (c.start_date, c.title))
    )
    columns = ("Programma", "Cursus", "IDO-locatie", "Startdatum", "Status", "Ingeschreven", "Cursisten")
    return Section("cursussen", "Cursussen", (*columns, "Afgerond"), rows, (5, 6, 7))


def ido_rows(locations: Iterable[LocationRow]) -> list[tuple[Cell, ...]]:
    variants = {v.value: label for v, label in VARIANT_LABELS.items()}
    statuses = {s.value: label for s, label in STATUS_LABELS.items()}
    return [
        (
            x.name,
            variants.get(x.variant, x.variant),
            statuses.get(x.status, x.status),
            x.opened_on if x.opened_on else x.planned,
            round(float(x.hours_per_week), 2),
            INSIDE_LABELS[x.inside_library],
            *gemeente_of(x),
        )
        for x in sorted(locations, key=lambda x: x.name)
    ]


IDO_COLUMNS = (
    "IDO-locatie",
    "Variant",
    "Status",
    "Geopend op (of gepland)",
    "Uren per week",
    "In of buiten de bibliotheek",
    *GEMEENTE_COLUMNS,
)
IDO_TITLE = "IDO-locaties: variant, status, openingsuren en gemeente"


def ido_section(locations: Iterable[LocationRow]) -> Section:
    return Section("ido", IDO_TITLE, IDO_COLUMNS, tuple(ido_rows(locations)))


def completeness_section(found: tuple[str, ...]) -> Section:
    rows = tuple((w,) for w in found) or (("Geen waarschuwingen: de registratie lijkt volledig.",),)
    return Section("volledigheid", "Volledigheid van de registratie", ("Waarschuwing",), rows)


def library_report(data: LibraryData, period: Period, today: date, cat: Catalogue = CATALOGUE) -> Report:
    """The library's own verantwoording over `period` (not suppressed: it goes to the library, its POI and
    the KB). Question rows outside the period are ignored."""
    in_period = [r for r in data.questions if period.first <= r.month <= period.last]
    visits = [r for r in data.visits if period.first <= r.month <= period.last]
    what, where = collapse(in_period, by_what=True), collapse(in_period, by_what=False)
    courses = [c for c in data.courses if period.first <= c.start_date <= period.last]
    found = warnings(data.locations, month_counts(where), period, today)
    referrals = of_kinds(data.referrals)  # the kinds of question "Hoe geholpen" counts
    sections = (
        kinds_section(what, cat),
        party_section(what, cat),
        topic_section(what, cat),
        help_section(what, cat),
        referral_kind_section(referrals, cat),
        warmth_section(referrals),
        referred_by_kind_section(referrals, cat),
        partner_section(referrals, cat),
        location_section(where, data.locations),
        month_section(where, period),
        visits_per_location(visits, data.locations),
        visits_per_month(visits, period),
        visits_per_gemeente(visits, data.locations),
        time_party_section(data.time_what, cat),
        time_topic_section(data.time_what, cat),
        time_week_section(data.time_when, period),
        time_location_section(data.time_when, data.locations),
        programme_section(courses),
        course_list_section(courses, data.locations),
        ido_section(data.locations),
        completeness_section(found),
        survey_section(data.survey),  # unsuppressed here: survey_results.for_library / for_others
    )
    return Report(
        library=data.name,
        scope="library",
        period=period,
        catalogue_version=cat.version,
        kb_form_version=cat.kb_form_version,
        generated_on=today,
        sections=sections,
        warnings=found,
        extra={"slug": data.slug, "poi": data.poi, "province": data.province},
    )


__all__ = ["LocationRow", "MonthCount", "ReferralRow", "UNLISTED_PARTNER"]
