"""The course aggregate: every transition, the participant count (cursisten), and the refusals in Dutch."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain import courses as c
from domain.errors import DomainError

TODAY = date(2026, 11, 28)
LOCATION = uuid4()


def scheduled(
    programme: c.Programme = c.Programme.KLIK_TIK, capacity: int = 3, sessions: int = 4
) -> c.Course:
    course_id = uuid4()
    events = c.schedule(course_id, programme, "", LOCATION, {LOCATION}, TODAY, sessions, capacity, TODAY)
    return c.fold(course_id, events)


def apply(state: c.Course, events: list) -> c.Course:
    for e in events:
        state = c.evolve(state, e)
    return state


def with_participants(*codes: str, capacity: int = 3) -> c.Course:
    s = scheduled(capacity=capacity)
    for code in codes:
        s = apply(s, c.enrol(s, code, None))
    return s


def refusal(fn, *args) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args)
    return info.value


# scheduling


def test_scheduling_a_programme_course_takes_the_programme_name_as_title():
    s = scheduled(c.Programme.DIGISTERKER)
    assert s.version == 1 and s.status == c.CourseStatus.SCHEDULED
    assert s.title == "Digisterker" and s.programme == c.Programme.DIGISTERKER
    assert (s.location_id, s.start_date, s.sessions, s.capacity) == (LOCATION, TODAY, 4, 3)
    assert s.enrolled == () and s.attended == frozenset()


def test_a_programme_course_ignores_a_given_name():
    [e] = c.schedule(uuid4(), c.Programme.DIGID, "Iets anders", LOCATION, {LOCATION}, TODAY, 1, 1, TODAY)
    assert e.title == "DigiD-cursus"


def test_an_own_course_keeps_its_stripped_name():
    [e] = c.schedule(
        uuid4(), c.Programme.OWN, "  Veilig online bankieren ", LOCATION, {LOCATION}, TODAY, 2, 8, TODAY
    )
    assert e.title == "Veilig online bankieren" and e.programme == c.Programme.OWN


def test_a_start_date_early_last_year_is_still_allowed():
    [e] = c.schedule(uuid4(), c.Programme.KLIK_TIK, "", LOCATION, {LOCATION}, date(2025, 1, 1), 1, 1, TODAY)
    assert e.start_date == date(2025, 1, 1)


SCHEDULE_REFUSALS = [
    (
        "own-course-without-name",
        {"programme": c.Programme.OWN, "title": "  "},
        "title",
        "Geef de eigen cursus een naam.",
    ),
    (
        "own-course-name-with-phone",
        {"programme": c.Programme.OWN, "title": "Bel 0612345678"},
        "title",
        "telefoonnummer",
    ),
    (
        "own-course-name-too-long",
        {"programme": c.Programme.OWN, "title": "x" * 121},
        "title",
        "te lang (maximaal 120 tekens)",
    ),
    ("unknown-location", {"location_id": uuid4()}, "location_id", "Kies een IDO-locatie van uw bibliotheek."),
    ("no-sessions", {"sessions": 0}, "sessions", "Een cursus heeft 1 tot 30 bijeenkomsten."),
    ("too-many-sessions", {"sessions": 31}, "sessions", "Een cursus heeft 1 tot 30 bijeenkomsten."),
    ("no-capacity", {"capacity": 0}, "capacity", "Kies een capaciteit van 1 tot 200 deelnemers."),
    ("too-much-capacity", {"capacity": 201}, "capacity", "Kies een capaciteit van 1 tot 200 deelnemers."),
    (
        "start-before-last-year",
        {"start_date": date(2024, 12, 31)},
        "start_date",
        "De startdatum ligt te ver in het verleden.",
    ),
]


@pytest.mark.parametrize(
    ("change", "field", "words"), [r[1:] for r in SCHEDULE_REFUSALS], ids=[r[0] for r in SCHEDULE_REFUSALS]
)
def test_scheduling_refusals(change, field, words):
    args = {
        "course_id": uuid4(),
        "programme": c.Programme.KLIK_TIK,
        "title": "",
        "location_id": LOCATION,
        "locations": {LOCATION},
        "start_date": TODAY,
        "sessions": 4,
        "capacity": 10,
        "today": TODAY,
        **change,
    }
    with pytest.raises(DomainError) as info:
        c.schedule(**args)
    assert info.value.field == field and words in info.value.message


# enrolment and withdrawal


def test_enrolment_adds_the_code_in_order():
    s = with_participants("KT-AAAA", "KT-BBBB")
    assert s.enrolled == ("KT-AAAA", "KT-BBBB") and s.version == 3 and s.via_desk == frozenset()


def test_an_enrolment_through_the_desk_counts_as_via_desk():
    s = scheduled()
    question = uuid4()
    [e] = c.enrol(s, "KT-DESK", question)
    assert e == c.ParticipantEnrolled(course_id=s.course_id, code="KT-DESK", via_question_id=question)
    assert apply(s, [e]).via_desk == frozenset({"KT-DESK"})


def test_enrolment_over_capacity_is_refused():
    s = with_participants("KT-AAAA", "KT-BBBB", capacity=2)
    err = refusal(c.enrol, s, "KT-CCCC", None)
    assert err.message == "De cursus is vol (2 deelnemers)." and err.field == "capacity"


def test_a_withdrawal_frees_a_place():
    s = with_participants("KT-AAAA", "KT-BBBB", capacity=2)
    s = apply(s, c.withdraw(s, "KT-AAAA"))
    assert s.enrolled == ("KT-BBBB",) and s.withdrawn == ("KT-AAAA",)
    assert apply(s, c.enrol(s, "KT-CCCC", None)).enrolled == ("KT-BBBB", "KT-CCCC")


@pytest.mark.parametrize("code", ["KT-AAAA", "KT-WDRN", "", "kt-aaaa", "KT-0O1I", "Jan Jansen"])
def test_a_code_in_use_withdrawn_empty_or_outside_the_alphabet_is_refused(code):
    s = with_participants("KT-AAAA", "KT-WDRN")
    s = apply(s, c.withdraw(s, "KT-WDRN"))
    err = refusal(c.enrol, s, code, None)
    assert err.message == "Deze deelnemerscode kan niet; probeer het opnieuw." and err.field == "code"


def test_withdrawing_an_unknown_code_is_refused():
    s = with_participants("KT-AAAA")
    err = refusal(c.withdraw, s, "KT-ZZZZ")
    assert (
        err.message == "Deelnemer KT-ZZZZ staat niet ingeschreven voor deze cursus." and err.field == "code"
    )


def test_withdrawing_twice_is_refused():
    s = with_participants("KT-AAAA")
    s = apply(s, c.withdraw(s, "KT-AAAA"))
    assert "staat niet ingeschreven" in refusal(c.withdraw, s, "KT-AAAA").message


# attendance


def test_attendance_is_recorded_per_session_and_makes_cursisten():
    s = with_participants("KT-AAAA", "KT-BBBB", "KT-CCCC")
    [e] = c.record_attendance(s, 1, TODAY, ["KT-BBBB", "KT-AAAA", "KT-AAAA"])
    assert e.present == ("KT-AAAA", "KT-BBBB") and e.session == 1 and e.held_on == TODAY
    s = apply(s, [e])
    s = apply(s, c.record_attendance(s, 2, TODAY + timedelta(days=7), ["KT-CCCC"]))
    assert s.attended == frozenset({"KT-AAAA", "KT-BBBB", "KT-CCCC"})
    assert s.attendance[2] == (TODAY + timedelta(days=7), ("KT-CCCC",))


def test_recording_a_session_again_replaces_it():
    s = with_participants("KT-AAAA", "KT-BBBB")
    s = apply(s, c.record_attendance(s, 1, TODAY, ["KT-AAAA", "KT-BBBB"]))
    s = apply(s, c.record_attendance(s, 1, TODAY + timedelta(days=1), ["KT-AAAA"]))
    assert s.attendance == {1: (TODAY + timedelta(days=1), ("KT-AAAA",))}
    assert s.attended == frozenset({"KT-AAAA"})


def test_a_session_with_nobody_present_is_recorded():
    s = with_participants("KT-AAAA")
    s = apply(s, c.record_attendance(s, 1, TODAY, []))
    assert s.attendance == {1: (TODAY, ())} and s.attended == frozenset()


@pytest.mark.parametrize("session", [0, 5, -1])
def test_attendance_for_a_session_that_does_not_exist_is_refused(session):
    s = with_participants("KT-AAAA")
    err = refusal(c.record_attendance, s, session, TODAY, ["KT-AAAA"])
    assert (
        err.message == f"Bijeenkomst {session} bestaat niet; deze cursus heeft er 4."
        and err.field == "session"
    )


def test_attendance_for_a_code_not_enrolled_is_refused():
    s = with_participants("KT-AAAA", "KT-WDRN")
    s = apply(s, c.withdraw(s, "KT-WDRN"))
    err = refusal(c.record_attendance, s, 1, TODAY, ["KT-AAAA", "KT-ZZZZ", "KT-WDRN"])
    assert err.message == "Niet ingeschreven: KT-WDRN, KT-ZZZZ." and err.field == "present"


def test_a_withdrawn_participant_who_attended_stays_a_cursist():
    s = with_participants("KT-AAAA", "KT-BBBB")
    s = apply(s, c.record_attendance(s, 1, TODAY, ["KT-AAAA"]))
    s = apply(s, c.withdraw(s, "KT-AAAA"))
    assert s.attended == frozenset({"KT-AAAA"}) and s.enrolled == ("KT-BBBB",)


# completion and cancellation


def test_completion_records_who_completed_and_closes_the_course():
    s = with_participants("KT-AAAA", "KT-BBBB")
    [e] = c.complete(s, ["KT-BBBB", "KT-AAAA"])
    assert e == c.CourseCompleted(course_id=s.course_id, completed=("KT-AAAA", "KT-BBBB"))
    s = apply(s, [e])
    assert s.status == c.CourseStatus.COMPLETED and s.completed == ("KT-AAAA", "KT-BBBB")


def test_completion_with_nobody_completing_is_allowed():
    s = with_participants("KT-AAAA")
    assert apply(s, c.complete(s, [])).completed == ()


def test_completion_by_a_code_not_enrolled_is_refused():
    s = with_participants("KT-AAAA")
    err = refusal(c.complete, s, ["KT-AAAA", "KT-ZZZZ"])
    assert err.message == "Niet ingeschreven: KT-ZZZZ." and err.field == "completed"


def test_cancellation_keeps_its_reason():
    s = with_participants("KT-AAAA")
    [e] = c.cancel(s, " Te weinig aanmeldingen ")
    assert e == c.CourseCancelled(course_id=s.course_id, reason="Te weinig aanmeldingen")
    assert apply(s, [e]).status == c.CourseStatus.CANCELLED


def test_cancellation_without_a_reason_is_allowed():
    s = scheduled()
    assert c.cancel(s, "") == [c.CourseCancelled(course_id=s.course_id, reason="")]


def test_a_cancellation_reason_with_personal_data_is_refused():
    err = refusal(c.cancel, scheduled(), "Docent ziek, mail docent@example.nl")
    assert "e-mailadres" in err.message and err.field == "reason"


CHANGES = [
    ("enrol", lambda s: c.enrol(s, "KT-NEWW", None)),
    ("withdraw", lambda s: c.withdraw(s, "KT-AAAA")),
    ("attendance", lambda s: c.record_attendance(s, 1, TODAY, ["KT-AAAA"])),
    ("complete", lambda s: c.complete(s, ["KT-AAAA"])),
    ("cancel", lambda s: c.cancel(s, "")),
]


@pytest.mark.parametrize("change", [x[1] for x in CHANGES], ids=[x[0] for x in CHANGES])
def test_no_change_to_a_cancelled_course(change):
    s = with_participants("KT-AAAA")
    s = apply(s, c.cancel(s, "Docent ziek"))
    assert refusal(change, s).message == "Deze cursus is geannuleerd; er kan niets meer veranderen."


@pytest.mark.parametrize("change", [x[1] for x in CHANGES], ids=[x[0] for x in CHANGES])
def test_no_change_to_a_completed_course(change):
    s = with_participants("KT-AAAA")
    s = apply(s, c.complete(s, ["KT-AAAA"]))
    assert refusal(change, s).message == "Deze cursus is afgerond; er kan niets meer veranderen."


@pytest.mark.parametrize("change", [x[1] for x in CHANGES], ids=[x[0] for x in CHANGES])
def test_no_change_to_a_course_that_does_not_exist(change):
    assert refusal(change, c.Course(uuid4())).message == "Deze cursus bestaat niet."


# the whole course, folded


def test_the_counts_of_a_whole_course():
    s = with_participants("KT-AAAA", "KT-BBBB", capacity=4)
    s = apply(s, c.enrol(s, "KT-DESK", uuid4()))
    s = apply(s, c.enrol(s, "KT-WDRN", uuid4()))
    s = apply(s, c.withdraw(s, "KT-WDRN"))
    s = apply(s, c.record_attendance(s, 1, TODAY, ["KT-AAAA", "KT-DESK"]))
    s = apply(s, c.record_attendance(s, 2, TODAY + timedelta(days=7), ["KT-AAAA"]))
    s = apply(s, c.complete(s, ["KT-AAAA"]))
    assert s.enrolled == ("KT-AAAA", "KT-BBBB", "KT-DESK") and s.withdrawn == ("KT-WDRN",)
    assert s.attended == frozenset({"KT-AAAA", "KT-DESK"})
    assert s.via_desk == frozenset({"KT-DESK", "KT-WDRN"}) and s.attended & s.via_desk == {"KT-DESK"}
    assert s.completed == ("KT-AAAA",) and s.version == 9
    assert c.stream_id(s.course_id) == f"course-{s.course_id}"
