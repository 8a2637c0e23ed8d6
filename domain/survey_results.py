"""The survey's figures (pure): what the read model counts per answer, and the results as a report section whose
answers to one question are suppressed as a block ("<5"). Everyone sees them suppressed — the library too: the
visitors were promised anonymity, and a course of six must not tell its teacher who was unhappy. The POI and the
KB see sums over several libraries only, never one library's answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from domain.report import Cell, Report, Section, suppress_section
from domain.survey import CURRENT, SETS, SOURCE_LABELS, Source, SurveyAnswered

KEY = "enquete"
TITLE = "Enquête onder bezoekers en cursisten"
FILLED_IN = "Ingevulde enquêtes"
NO_ANSWER = "Geen antwoord"
RESPONSE = ""  # the question of the row that counts a filled-in survey
NO_COURSE = UUID(int=0)


@dataclass(frozen=True, slots=True)
class CountKey:
    """One cell of rm_survey_v1: a filled-in survey (question ''), or an answer ('' when left unanswered)."""

    day: date
    location_id: UUID
    course_id: UUID  # NO_COURSE for the desk
    question_set: str
    question: str
    answer: str


def count_keys(e: SurveyAnswered) -> list[CountKey]:
    """What one answered survey adds to the read model: the survey itself, and per question shown its answer
    or "no answer"."""
    course = e.course_id or NO_COURSE
    given = dict(e.answers)
    cells = [CountKey(e.answered_on, e.location_id, course, e.question_set, RESPONSE, "")]
    cells += [
        CountKey(e.answered_on, e.location_id, course, e.question_set, q, given.get(q, "")) for q in e.asked
    ]
    return cells


@dataclass(frozen=True, slots=True)
class SurveyRow:
    """rm_survey_v1 summed over a period (and the libraries of a POI, or all, for the boards)."""

    source: str  # Source.DESK or Source.COURSE
    question_set: str
    question: str
    answer: str
    count: int


def survey_section(rows: Iterable[SurveyRow]) -> Section:
    """The results, unsuppressed: how many surveys were filled in at the desk and after a course, then per
    question asked (in the national set's order) every answer with its count and the surveys that left it
    unanswered. Each question is a block of rows (`group_by` the question) that adds up to the surveys that
    showed it."""
    filled: dict[str, int] = defaultdict(int)
    answers: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if r.question == RESPONSE:
            filled[r.source] += r.count
        else:
            answers[(_question_text(r.question_set, r.question), _key(r))] += r.count
    out: list[tuple[Cell, ...]] = [(FILLED_IN, SOURCE_LABELS[s], filled[s.value]) for s in Source]
    for text, options in _blocks(answers):
        out += [(text, label, answers.get((text, code), 0)) for code, label in options]
    return Section(KEY, TITLE, ("Vraag", "Antwoord", "Aantal"), tuple(out), (2,), None, group_by=0)


def _key(r: SurveyRow) -> str:
    return f"{r.question}:{r.answer}"


def _question_text(version: str, code: str) -> str:
    try:
        return SETS[version].question(code).text
    except Exception:  # a question of a version this code no longer has
        return code


def _blocks(answers: dict[tuple[str, str], int]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The questions that have counts, in the national set's order (unknown ones after), each with every
    answer of the question (zeros too, so libraries have the same rows) and "no answer"."""
    seen = {text for text, _ in answers}
    out = []
    for q in CURRENT.questions:
        if q.text in seen:
            options = [(f"{q.code}:{o.code}", o.label) for o in q.options] + [(f"{q.code}:", NO_ANSWER)]
            out.append((q.text, options))
            seen.discard(q.text)
    for text in sorted(seen):
        codes = sorted({k for t, k in answers if t == text})
        out.append((text, [(k, k.partition(":")[2] or NO_ANSWER) for k in codes]))
    return out


def blocks(section: Section) -> list[tuple[str, list[tuple[Cell, ...]]]]:
    """The section's rows per question, for a page: (question, rows)."""
    out: dict[str, list[tuple[Cell, ...]]] = {}
    for row in section.rows:
        out.setdefault(str(row[0]), []).append(row)
    return list(out.items())


def responses(section: Section) -> Cell:
    """The number of filled-in surveys shown (a count, or "<5"): the first block's cells, when all are shown."""
    cells = [r[2] for r in section.rows if r[0] == FILLED_IN]
    if all(isinstance(c, int) for c in cells):
        return sum(cells)  # type: ignore[arg-type]
    return next((c for c in cells if not isinstance(c, int)), 0)


@dataclass(frozen=True)
class Shown:
    """A (suppressed) results section as a page shows it: the surveys filled in, and each question's block."""

    responses: Cell
    filled: list[tuple[Cell, ...]]
    questions: list[tuple[str, list[tuple[Cell, ...]]]]


def shown(section: Section) -> Shown:
    parts = blocks(section)
    filled = next((rows for q, rows in parts if q == FILLED_IN), [])
    return Shown(responses(section), filled, [(q, rows) for q, rows in parts if q != FILLED_IN])


# a POI or the KB sees the survey summed over at least this many libraries with answers: with one, the sum would
# be that library's own answers
MIN_LIBRARIES = 2


def for_board(section: Section, libraries: int) -> Shown | None:
    """The survey summed over a board's libraries (`libraries`: how many have answers), small cells hidden;
    None when 1 to MIN_LIBRARIES - 1 libraries have answers."""
    if 0 < libraries < MIN_LIBRARIES:
        return None
    return shown(suppress_section(section))


def for_library(report: Report) -> Report:
    """The library's own report: the survey's small cells hidden, the other sections as they are."""
    return replace(
        report, sections=tuple(suppress_section(s) if s.key == KEY else s for s in report.sections)
    )


def for_others(report: Report) -> Report:
    """One library's report as its POI and the KB see it: without the survey (they see sums over libraries)."""
    return replace(report, sections=tuple(s for s in report.sections if s.key != KEY))
