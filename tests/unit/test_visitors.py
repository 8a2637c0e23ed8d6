"""Visitors and time spent as the read models count them (pure): a visit is one visitor however many questions
it has, in the cell of its first question; a tally counts its own visitors; minutes per duration class."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain import question_stats as qs
from domain import questions as q
from domain.calendar import local
from domain.catalogue import CATALOGUE
from domain.help_time import MINUTES, HelpTime, help_time, minutes, sentence, unmapped

NOW = datetime(2026, 6, 10, 14, 30, tzinfo=UTC)  # 16:30 in Amsterdam
LOC, OTHER = uuid4(), uuid4()
CTX = q.DeskContext(now=NOW, locations={LOC: date(2026, 1, 1), OTHER: date(2026, 1, 1)}, partners=frozenset())


def ask(visit: UUID, at: datetime, location: UUID = LOC, **kw) -> q.QuestionRegistered:
    cmd = q.RegisterQuestion(
        question_id=kw.pop("question_id", uuid4()),
        visit_id=visit,
        location_id=location,
        npd_party="cbr",
        topic="cbr.rijbewijs_75",
        help="wegwijzer",
        asked_at=at,
        **kw,
    )
    [e] = q.register(cmd, CTX)
    return e


def undo(e: q.QuestionRegistered | q.QuestionsTallied) -> q.QuestionRetracted:
    [r] = q.retract(q.fold(e.question_id, [e]))
    return r


def key(at: datetime, location: UUID = LOC) -> qs.HourKey:
    t = local(at)
    return qs.HourKey(t.date(), location, t.hour)


def test_a_visit_with_three_questions_is_one_visitor():
    visit = uuid4()
    events = [ask(visit, NOW - timedelta(minutes=m)) for m in (5, 10, 15)]
    assert qs.visitors(events) == {key(NOW): 1}


def test_two_visits_are_two_visitors():
    events = [ask(uuid4(), NOW), ask(uuid4(), NOW)]
    assert qs.visitors(events) == {key(NOW): 2}


def test_a_visit_over_two_hours_counts_in_the_hour_of_its_first_question():
    visit = uuid4()
    first, later = NOW.replace(minute=55) - timedelta(hours=1), NOW.replace(minute=5)
    events = [ask(visit, later), ask(visit, first)]  # registered in another order than asked
    assert qs.visitors(events) == {key(first): 1}


def test_retracting_the_first_question_moves_the_visitor_to_the_next():
    visit = uuid4()
    first = ask(visit, NOW - timedelta(hours=2))
    second = ask(visit, NOW - timedelta(hours=1))
    assert qs.visitors([first, second, undo(first)]) == {key(second.what.asked_at): 1}


def test_retracting_the_last_question_of_a_visit_removes_the_visitor():
    visit = uuid4()
    a, b = ask(visit, NOW), ask(visit, NOW)
    assert qs.visitors([a, b, undo(a)]) == {key(NOW): 1}
    assert qs.visitors([a, b, undo(a), undo(b)]) == {}


def test_questions_asked_at_the_same_instant_count_at_the_smallest_question_id():
    visit = uuid4()
    a = ask(visit, NOW, OTHER, question_id=UUID(int=2))
    b = ask(visit, NOW, LOC, question_id=UUID(int=1))
    assert qs.visitors([a, b]) == {key(NOW, LOC): 1}


def test_a_tally_counts_its_visitors_and_its_retraction_takes_them_away():
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    cmd = q.TallyQuestions(
        question_id=uuid4(), location_id=LOC, hour_start=hour, npd_party="cbr", count=7, visitors=4
    )
    [t] = q.tally(cmd, CTX)
    assert qs.tally_visitor_deltas(t) == [(key(hour), 4)]
    assert qs.visitors([t]) == {key(hour): 4}
    assert qs.visitors([t, undo(t)]) == {}
    assert qs.hour_deltas(t) == [(key(hour), 7)], "the questions of the cell"


def test_an_old_tally_counts_one_visitor_per_question():
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    [t] = q.tally(
        q.TallyQuestions(question_id=uuid4(), location_id=LOC, hour_start=hour, npd_party="cbr", count=3), CTX
    )
    assert qs.visitors([t]) == {key(hour): 3}


def test_a_correction_of_the_classification_moves_no_visitor():
    e = ask(uuid4(), NOW)
    state = q.fold(e.question_id, [e])
    [c] = q.correct(
        state,
        q.CorrectQuestion(question_id=e.question_id, npd_party="svb", topic="svb.aow", help="wegwijzer"),
        CTX,
    )
    assert qs.visitors([e, c]) == {key(NOW): 1}
    assert (
        qs.retracted_question(c) is None and qs.visit_question(c) is None and not qs.tally_visitor_deltas(c)
    )
    assert qs.moved_question(c) is None, "the same time and place"


def moved(e: q.QuestionRegistered, at: datetime) -> q.QuestionCorrected:
    """A correction of the time (the correction form may move a question within the rules of backdating)."""
    fix = q.CorrectQuestion(
        question_id=e.question_id,
        npd_party=e.what.npd_party,
        topic=e.what.topic,
        help=e.what.help,
        asked_at=at,
    )
    [c] = q.correct(q.fold(e.question_id, [e]), fix, CTX)
    return c


def test_a_correction_that_moves_the_first_question_moves_the_visitor():
    visit = uuid4()
    first, second = ask(visit, NOW - timedelta(hours=3)), ask(visit, NOW - timedelta(hours=1))
    later = NOW - timedelta(minutes=10)  # after the second one now
    assert qs.moved_question(moved(first, later)).cell == key(later)
    assert qs.visitors([first, second, moved(first, later)]) == {key(second.what.asked_at): 1}
    assert qs.hour_deltas(moved(first, later)) == [(key(first.what.asked_at), -1), (key(later), 1)]


def test_a_correction_that_moves_a_later_question_earlier_makes_it_the_first():
    visit = uuid4()
    first, second = ask(visit, NOW - timedelta(hours=3)), ask(visit, NOW - timedelta(hours=1))
    earlier = NOW - timedelta(hours=5)
    assert qs.visitors([first, second, moved(second, earlier)]) == {key(earlier): 1}


def test_durations_are_counted_per_class_and_a_correction_moves_them():
    e = ask(uuid4(), NOW, duration="5-15")
    state = q.fold(e.question_id, [e])
    [c] = q.correct(
        state,
        q.CorrectQuestion(
            question_id=e.question_id,
            npd_party="cbr",
            topic="cbr.rijbewijs_75",
            help="wegwijzer",
            duration="30+",
        ),
        CTX,
    )
    merged = qs.merge([d for ev in (e, c) for d in qs.duration_deltas(ev)])
    assert merged == {qs.DurationKey(local(NOW).date(), LOC, "cbr", "cbr.rijbewijs_75", "30+"): 1}


# minutes per duration class


def test_every_duration_class_of_the_catalogue_has_minutes():
    assert unmapped(CATALOGUE) == []
    assert set(MINUTES) == {o.code for o in CATALOGUE.durations}


def test_the_minutes_are_the_middle_of_each_class():
    assert [minutes(c) for c in ("0-5", "5-15", "15-30", "30+")] == [2.5, 10.0, 22.5, 45.0]
    assert minutes("") is None


def test_help_time_counts_only_questions_with_a_duration_and_says_how_many_had_one():
    t = help_time([("0-5", 4), ("30+", 2), ("", 6)])
    assert (t.questions, t.timed, t.minutes) == (12, 6, 100.0)
    assert t.hours == pytest.approx(100 / 60) and t.average == pytest.approx(100 / 6)
    assert (
        sentence(t) == "1,7 uur, gemiddeld 16,7 minuten per vraag, van 6 vragen met een duur (van 12 vragen)"
    )


def test_without_durations_there_is_no_average():
    assert help_time([("", 3)]).average is None
    assert sentence(help_time([("", 3)])) == "geen van de 3 vragen heeft een duur"
    assert sentence(help_time([("", 1)])) == "de enige vraag heeft geen duur"
    assert sentence(HelpTime()) == "geen vragen"
