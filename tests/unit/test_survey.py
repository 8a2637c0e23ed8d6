"""The visitor survey's rules: questions from the national set, short links per location and per course, one
filled-in survey per stream without anything about the person, and the results suppressed per question."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from application.aggregates import SURVEY, load
from application.bus import Bus, all_handlers
from domain import courses as c
from domain import survey as s
from domain import survey_results as r
from domain.errors import DomainError, IdempotencyConflict, NotFound
from domain.report import SUPPRESSED, suppress_section
from infra.clock import FixedClock
from infra.store.codec import default_codec
from infra.store.memory_event_store import InMemoryEventStore, InMemoryUnitOfWork
from tests.clock import NOW, TODAY

T = uuid4()
LOC = uuid4()
SURVEY_ID = s.survey_id_of(T)
META = {"actor": None, "via": "survey"}


def chosen(*questions: str) -> s.Survey:
    return s.fold(
        SURVEY_ID,
        s.choose(s.Survey(SURVEY_ID), s.ChooseSurveyQuestions(survey_id=SURVEY_ID, questions=questions)),
    )


def with_link(state: s.Survey, link: str = "ABCD2345", course=None) -> s.Survey:
    cmd = s.OpenSurveyLink(survey_id=SURVEY_ID, link=link, location_id=LOC, course_id=course)
    for e in s.open_link(state, cmd):
        state = s.evolve(state, e)
    return state


def answer(state: s.Survey, *answers, link="ABCD2345") -> list:
    cmd = s.AnswerSurvey(response_id=uuid4(), survey_id=SURVEY_ID, link=link, answers=tuple(answers))
    return s.answer(state, cmd, TODAY)


# --- the national set and the library's choice


def test_the_national_set_is_versioned_and_proposes_a_short_default_survey():
    assert s.CURRENT.version == "2026.1"
    assert s.CURRENT.defaults() == ("tevreden", "verder", "zelf", "cursus_nut")
    codes = [q.code for q in s.CURRENT.questions]
    assert len(codes) == len(set(codes))
    for q in s.CURRENT.questions:
        assert q.audience in ("balie", "cursus", "beide") and len(q.options) >= 2


def test_a_library_chooses_a_few_questions_of_the_national_set():
    state = chosen("zelf", "tevreden", "tevreden")
    assert state.questions == ("tevreden", "zelf") and state.question_set == "2026.1"
    for wrong, field in (((), "questions"), (("geboortedatum",), "questions")):
        with pytest.raises(DomainError) as e:
            chosen(*wrong)
        assert e.value.field == field
    with pytest.raises(DomainError) as e:
        chosen(*(q.code for q in s.CURRENT.questions))
    assert "hoogstens 6" in e.value.message
    same = s.choose(state, s.ChooseSurveyQuestions(survey_id=SURVEY_ID, questions=("zelf", "tevreden")))
    assert same == []


def test_a_link_shows_the_questions_for_its_visitors():
    state = chosen("tevreden", "verder", "cursus_nut")
    assert [q.code for q in state.asked(s.Source.DESK)] == ["tevreden", "verder"]
    assert [q.code for q in state.asked(s.Source.COURSE)] == ["tevreden", "cursus_nut"]


# --- links


def test_a_link_is_opened_once_per_location_or_course_and_closed():
    with pytest.raises(DomainError) as e:
        with_link(s.Survey(SURVEY_ID))
    assert "Kies eerst de vragen" in e.value.message
    state = with_link(chosen("tevreden"))
    assert state.link_for(LOC, None).link == "ABCD2345"
    again = s.open_link(state, s.OpenSurveyLink(survey_id=SURVEY_ID, link="ZZZZ2345", location_id=LOC))
    assert again == [], "the location has its link"
    course = uuid4()
    state = with_link(state, "EFGH6789", course)
    assert state.links["EFGH6789"].source is s.Source.COURSE
    for bad in ("abcd2345", "ABCD234", "ABCD2340", "ABCD2345"):  # lower case, short, a 0, in use
        with pytest.raises(DomainError):
            s.open_link(state, s.OpenSurveyLink(survey_id=SURVEY_ID, link=bad, location_id=uuid4()))
    state = s.evolve(state, *s.close_link(state, s.CloseSurveyLink(survey_id=SURVEY_ID, link="ABCD2345")))
    with pytest.raises(NotFound):
        state.open_link("ABCD2345")
    with pytest.raises(NotFound):
        s.close_link(state, s.CloseSurveyLink(survey_id=SURVEY_ID, link="ABCD2345"))


def test_no_link_for_visitors_whom_no_chosen_question_is_for():
    with pytest.raises(DomainError) as e:
        with_link(chosen("verder"), "EFGH6789", uuid4())
    assert "deelnemers aan een cursus" in e.value.message


# --- answers


def test_an_answer_holds_the_day_where_the_questions_shown_and_the_answers_and_nothing_about_the_person():
    state = with_link(chosen("tevreden", "verder", "zelf"))
    [e] = answer(state, ("tevreden", "tevreden"), ("verder", ""), ("zelf", "nee"))
    assert isinstance(e, s.SurveyAnswered)
    assert (e.answered_on, e.location_id, e.course_id, e.question_set) == (TODAY, LOC, None, "2026.1")
    assert e.asked == ("tevreden", "verder", "zelf")
    assert e.answers == (("tevreden", "tevreden"), ("zelf", "nee"))
    assert set(s.SurveyAnswered.__struct_fields__) == {
        "response_id",
        "question_set",
        "location_id",
        "course_id",
        "answered_on",
        "asked",
        "answers",
    }


def test_answers_must_fit_the_questions_of_the_link():
    state = with_link(chosen("tevreden", "verder"))
    with pytest.raises(DomainError) as e:
        answer(state, ("tevreden", "super"))
    assert e.value.field == "tevreden" and "Kies een van de antwoorden" in e.value.message
    with pytest.raises(DomainError):
        answer(state, ("cursus_nut", "ja_veel"))  # a course question at the desk
    with pytest.raises(DomainError) as e:
        answer(state, ("tevreden", ""), ("verder", ""))
    assert "ten minste één vraag" in e.value.message
    with pytest.raises(NotFound):
        answer(state, ("tevreden", "tevreden"), link="QQQQ2345")


# --- results


def rows(*cells: tuple[str, str, str, int]) -> list[r.SurveyRow]:
    return [r.SurveyRow(src, "2026.1", q, a, n) for src, q, a, n in cells]


def test_the_read_model_counts_the_survey_each_answer_and_what_was_left_unanswered():
    state = with_link(chosen("tevreden", "verder"))
    [e] = answer(state, ("tevreden", "tevreden"))
    keys = r.count_keys(e)
    assert [(k.question, k.answer) for k in keys] == [("", ""), ("tevreden", "tevreden"), ("verder", "")]
    assert {k.course_id for k in keys} == {r.NO_COURSE} and {k.day for k in keys} == {TODAY}


def test_the_results_have_every_answer_of_each_question_asked_and_add_up_per_question():
    section = r.survey_section(
        rows(
            ("balie", "", "", 12),
            ("cursus", "", "", 3),
            ("balie", "tevreden", "tevreden", 9),
            ("cursus", "tevreden", "zeer_tevreden", 3),
            ("balie", "tevreden", "", 3),
        )
    )
    assert section.key == "enquete" and section.group_by == 0
    assert section.rows[:2] == (
        ("Ingevulde enquêtes", "Bezoekers van de balie", 12),
        ("Ingevulde enquêtes", "Deelnemers aan een cursus", 3),
    )
    [(_, filled), (question, answers)] = r.blocks(section)
    assert question == "Hoe tevreden bent u over de hulp die u kreeg?"
    assert [a[1] for a in answers] == [
        "Zeer tevreden",
        "Tevreden",
        "Niet tevreden, niet ontevreden",
        "Ontevreden",
        "Zeer ontevreden",
        "Geen antwoord",
    ]
    assert sum(a[2] for a in answers) == 15 == sum(f[2] for f in filled)


def test_small_counts_are_hidden_per_question_so_that_no_hidden_cell_follows_from_its_question():
    section = r.survey_section(
        rows(
            ("balie", "", "", 20),
            ("balie", "tevreden", "tevreden", 17),
            ("balie", "tevreden", "ontevreden", 3),
            ("balie", "verder", "ja", 10),
            ("balie", "verder", "nee", 6),
            ("balie", "verder", "", 4),
        )
    )
    shown = suppress_section(section)
    by = {(row[0], row[1]): row[2] for row in shown.rows}
    assert by[("Ingevulde enquêtes", "Bezoekers van de balie")] == 20
    tevreden = "Hoe tevreden bent u over de hulp die u kreeg?"
    # one hidden cell in the block: the next smallest shown one is hidden too (else 20 - 17 = 3)
    assert by[(tevreden, "Ontevreden")] == SUPPRESSED and by[(tevreden, "Tevreden")] == SUPPRESSED
    assert by[(tevreden, "Zeer tevreden")] == 0
    verder = "Kunt u nu verder met uw vraag?"
    assert by[(verder, "Geen antwoord")] == SUPPRESSED and by[(verder, "Nee")] == SUPPRESSED
    assert by[(verder, "Ja")] == 10


def test_the_library_sees_its_survey_suppressed_and_others_see_one_library_without_it():
    from domain.report import Period, Report

    section = r.survey_section(rows(("balie", "", "", 2), ("balie", "tevreden", "tevreden", 2)))
    report = Report("Bieb", "library", Period(2026), "2026.1", "KB", TODAY, (section,))
    own = r.for_library(report)
    assert SUPPRESSED in [row[2] for row in own.section("enquete").rows]
    assert not r.for_others(report).has("enquete")
    assert r.responses(own.section("enquete")) == SUPPRESSED


# --- handlers over the in-memory unit of work


@pytest.fixture
def bus() -> Bus:
    uow = InMemoryUnitOfWork(InMemoryEventStore(default_codec(), FixedClock(NOW)))
    uow.locations[T] = {LOC: date(TODAY.year, 1, 1)}
    return Bus(uow, all_handlers())


async def test_through_the_bus_a_link_is_opened_for_a_location_or_a_course_of_the_library(bus):
    await bus.handle(T, s.ChooseSurveyQuestions(survey_id=SURVEY_ID, questions=("tevreden",)), META)
    opened = await bus.handle(
        T, s.OpenSurveyLink(survey_id=SURVEY_ID, link="ABCD2345", location_id=LOC), META
    )
    assert opened.status == 201 and opened.body == {"link": "ABCD2345"}
    with pytest.raises(NotFound):
        await bus.handle(T, s.OpenSurveyLink(survey_id=SURVEY_ID, link="ABCD2346", location_id=uuid4()), META)
    course_id = uuid4()
    with pytest.raises(NotFound):
        await bus.handle(T, s.OpenSurveyLink(survey_id=SURVEY_ID, link="ABCD2346", course_id=course_id), META)
    schedule = c.ScheduleCourse(
        course_id=course_id,
        programme=c.Programme.DIGISTERKER,
        title="Digisterker",
        location_id=LOC,
        start_date=TODAY,
        sessions=2,
        capacity=8,
    )
    await bus.handle(T, schedule, META)
    await bus.handle(T, s.OpenSurveyLink(survey_id=SURVEY_ID, link="ABCD2346", course_id=course_id), META)
    state = await bus.read(T, lambda tx: load(tx, SURVEY, SURVEY_ID))
    assert state.links["ABCD2346"].location_id == LOC and state.links["ABCD2346"].course_id == course_id


async def test_through_the_bus_an_answer_is_stored_once_per_key_in_a_stream_of_its_own(bus):
    await bus.handle(T, s.ChooseSurveyQuestions(survey_id=SURVEY_ID, questions=("tevreden",)), META)
    await bus.handle(T, s.OpenSurveyLink(survey_id=SURVEY_ID, link="ABCD2345", location_id=LOC), META)
    cmd = s.AnswerSurvey(
        response_id=uuid4(), survey_id=SURVEY_ID, link="ABCD2345", answers=(("tevreden", "tevreden"),)
    )
    first = await bus.handle(T, cmd, META, key="token-1")
    again = await bus.handle(T, cmd, META, key="token-1")
    assert (first.status, again.replayed) == (201, True)
    [e] = await bus.read(T, lambda tx: tx.read_stream(s.response_stream_id(cmd.response_id)))
    assert e.metadata == META and e.event.answered_on == TODAY
    other = s.AnswerSurvey(
        response_id=cmd.response_id,
        survey_id=SURVEY_ID,
        link="ABCD2345",
        answers=(("tevreden", "ontevreden"),),
    )
    with pytest.raises(IdempotencyConflict):
        await bus.handle(T, other, META)
    with pytest.raises(NotFound):
        await bus.handle(
            T,
            s.AnswerSurvey(
                response_id=uuid4(),
                survey_id=s.survey_id_of(uuid4()),
                link="ABCD2345",
                answers=(("tevreden", "tevreden"),),
            ),
            META,
        )


def test_the_aggregate_of_libraries_sums_the_survey_and_suppresses_it_per_question():
    from domain.report import Period
    from domain.verantwoording import LibraryData, library_report
    from domain.verantwoording_aggregate import aggregate

    def data(name: str, n: int, unhappy: int) -> LibraryData:
        survey = rows(
            ("balie", "", "", n),
            ("balie", "tevreden", "tevreden", n - unhappy),
            ("balie", "tevreden", "ontevreden", unhappy),
        )
        return LibraryData(uuid4(), name, name, "POI", "Utrecht", (), (), (), (), survey=tuple(survey))

    reports = [library_report(data(f"bieb-{i}", 6, 1), Period(2026), TODAY) for i in range(3)]
    assert reports[0].section("enquete").rows[0][2] == 6, "a library's report holds its survey unsuppressed"
    total = aggregate(reports, "POI", "poi", Period(2026), TODAY).section("enquete")
    by = {(row[0], row[1]): row[2] for row in total.rows}
    assert by[("Ingevulde enquêtes", "Bezoekers van de balie")] == 18
    tevreden = "Hoe tevreden bent u over de hulp die u kreeg?"
    # 3 unhappy of 18 is hidden, and so is 15 (else 18 - 15 = 3); zeros show
    assert by[(tevreden, "Ontevreden")] == SUPPRESSED and by[(tevreden, "Tevreden")] == SUPPRESSED
    assert by[(tevreden, "Zeer tevreden")] == 0 and by[(tevreden, "Geen antwoord")] == 0
