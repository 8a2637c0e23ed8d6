"""The question aggregate: given events, when a command, then events (or a refusal in Dutch)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain import questions as q
from domain.errors import DomainError
from infra.store.codec import default_codec

NOW = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
LOC = uuid4()
PARTNER = uuid4()
CTX = q.DeskContext(now=NOW, locations={LOC: date(2026, 1, 1)}, partners=frozenset({PARTNER}))


def reg(**kw) -> q.RegisterQuestion:
    base = dict(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=LOC,
        npd_party="cbr",
        topic="cbr.rijbewijs_75",
        help="wegwijzer",
    )
    return q.RegisterQuestion(**{**base, **kw})


def test_registering_a_question_records_its_classification_at_now():
    [e] = q.register(reg(), CTX)
    assert isinstance(e, q.QuestionRegistered)
    assert e.what.asked_at == NOW and e.what.npd_party == "cbr" and e.what.count == 1
    assert e.catalogue_version == "2026.1"


def test_a_question_can_be_backdated_within_the_subsidy_year():
    [e] = q.register(reg(asked_at=NOW - timedelta(days=30)), CTX)
    assert e.what.asked_at == NOW - timedelta(days=30)


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"npd_party": "nasa"}, "npd_party"),
        ({"topic": "geen.onderwerp"}, "topic"),
        ({"topic": "svb.aow"}, "topic"),
        ({"help": "toverij"}, "help"),
        ({"channel": "duif"}, "channel"),
        ({"duration": "3-4"}, "duration"),
        ({"kind": "raadsel"}, "kind"),
        ({"asked_at": NOW + timedelta(hours=1)}, "asked_at"),
        ({"asked_at": datetime(2025, 12, 31, 12, tzinfo=UTC)}, "asked_at"),
        ({"location_id": uuid4()}, "location_id"),
        ({"partner_id": uuid4(), "help": "lokale_partner"}, "partner_id"),
        ({"partner_id": PARTNER, "help": "wegwijzer"}, "partner_id"),
        ({"note": "BSN 111222333"}, "note"),
        ({"note": "mail jan@example.nl"}, "note"),
        ({"note": "bel 0612345678"}, "note"),
        ({"note": "rekening NL91ABNA0417164300"}, "note"),
    ],
)
def test_refused_registrations_name_the_field(kw, field):
    with pytest.raises(DomainError) as err:
        q.register(reg(**kw), CTX)
    assert err.value.field == field and err.value.message


def test_a_referral_to_a_known_partner_is_kept_with_its_warmth():
    [e] = q.register(reg(help="lokale_partner", partner_id=PARTNER, warmth="warm"), CTX)
    assert (e.what.partner_id, e.what.warmth) == (PARTNER, "warm")


def test_a_referral_names_a_partner_or_says_the_partner_is_not_listed():
    with pytest.raises(DomainError, match="Staat er niet bij") as err:
        q.register(reg(help="lokale_partner", warmth="koud"), CTX)
    assert err.value.field == "partner_id"
    [e] = q.register(reg(help="lokale_partner", partner_unlisted=True, warmth="koud"), CTX)
    assert e.what.help == "lokale_partner" and e.what.partner_id is None and e.what.warmth == "koud"
    # a library without partners has none to name
    no_partners = q.DeskContext(now=NOW, locations=CTX.locations, partners=frozenset())
    [e] = q.register(reg(help="lokale_partner", warmth="warm"), no_partners)
    assert e.what.partner_id is None


@pytest.mark.parametrize(
    "kw",
    [
        {"help": "wegwijzer", "partner_unlisted": True},
        {"help": "lokale_partner", "partner_id": PARTNER, "partner_unlisted": True, "warmth": "warm"},
    ],
)
def test_not_listed_is_only_for_a_referral_without_a_partner(kw):
    with pytest.raises(DomainError) as err:
        q.register(reg(**kw), CTX)
    assert err.value.field == "partner_id"


def test_a_referral_says_whether_it_was_warm_or_cold():
    no_partners = q.DeskContext(now=NOW, locations=CTX.locations, partners=frozenset())
    with pytest.raises(DomainError, match=r"warm \(contact gelegd\) of koud \(adres meegegeven\)") as err:
        q.register(reg(help="lokale_partner"), no_partners)
    assert err.value.field == "warmth"
    with pytest.raises(DomainError) as err:
        q.register(reg(help="lokale_partner", partner_id=PARTNER), CTX)
    assert err.value.field == "warmth"
    for warmth in ("warm", "koud"):
        [e] = q.register(reg(help="lokale_partner", warmth=warmth), no_partners)
        assert e.what.warmth == warmth


def test_without_partner_and_warmth_one_message_asks_for_both():
    with pytest.raises(DomainError) as err:
        q.register(reg(help="lokale_partner"), CTX)
    assert err.value.field == "partner_id"
    assert "'Staat er niet bij'" in err.value.message and "warm (contact gelegd)" in err.value.message


@pytest.mark.parametrize(
    "kw",
    [
        {"help": "wegwijzer", "warmth": "warm"},
        {"help": "lokale_partner", "partner_id": PARTNER, "warmth": "lauw"},
        {"help": "lokale_partner", "partner_id": PARTNER, "warmth": ""},
    ],
)
def test_warm_or_cold_is_only_for_a_referral_and_nothing_else(kw):
    with pytest.raises(DomainError) as err:
        q.register(reg(**kw), CTX)
    assert err.value.field == "warmth" and err.value.message


def test_an_import_says_explicitly_that_the_warmth_is_not_known_and_the_event_keeps_none():
    [e] = q.register(reg(help="lokale_partner", partner_unlisted=True, warmth="onbekend"), CTX)
    assert e.what.warmth is None
    [e] = q.register(reg(warmth="onbekend"), CTX)  # other help: nothing to know
    assert e.what.warmth is None


def test_a_visitor_sent_by_a_partner_is_recorded_whatever_the_help():
    [e] = q.register(reg(referred_by_partner_id=PARTNER), CTX)
    assert (e.what.referred_by_partner_id, e.what.referred_by_unlisted) == (PARTNER, False)
    assert e.what.help == "wegwijzer" and e.what.partner_id is None
    [e] = q.register(reg(referred_by_unlisted=True), CTX)
    assert (e.what.referred_by_partner_id, e.what.referred_by_unlisted) == (None, True)
    # by one partner, on to another
    no_partners = q.DeskContext(now=NOW, locations=CTX.locations, partners=frozenset())
    [e] = q.register(reg(help="lokale_partner", warmth="koud", referred_by_unlisted=True), no_partners)
    assert e.what.referred_by_unlisted and e.what.warmth == "koud"


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"referred_by_partner_id": uuid4()}, "niet bekend"),
        ({"referred_by_partner_id": PARTNER, "referred_by_unlisted": True}, "niet allebei"),
    ],
)
def test_the_partner_that_sent_the_visitor_is_one_of_the_librarys_or_not_listed(kw, message):
    with pytest.raises(DomainError, match=message) as err:
        q.register(reg(**kw), CTX)
    assert err.value.field == "referred_by_partner_id"


def test_a_correction_to_a_referral_names_a_partner_or_says_it_is_not_listed():
    state = _registered()
    fields = dict(
        question_id=state.question_id,
        npd_party="cbr",
        topic="cbr.rijbewijs_75",
        help="lokale_partner",
        warmth="warm",
    )
    with pytest.raises(DomainError) as err:
        q.correct(state, q.CorrectQuestion(**fields), CTX)
    assert err.value.field == "partner_id"
    [e] = q.correct(state, q.CorrectQuestion(**fields, partner_unlisted=True), CTX)
    assert e.what.help == "lokale_partner" and e.what.partner_id is None and e.what.warmth == "warm"


def test_a_correction_records_warmth_and_sender_and_a_referral_of_before_may_keep_not_recorded():
    """A referral stored without warmth (before it was asked): a correction says warm or cold, or keeps it not
    recorded by saying so; saying nothing is refused, as on a new registration."""
    old = q.QuestionRegistered(
        question_id=uuid4(),
        visit_id=uuid4(),
        what=q.Classification(
            location_id=LOC,
            asked_at=NOW,
            kind="digitale_overheid",
            npd_party="cbr",
            topic="cbr.rijbewijs_75",
            help="lokale_partner",
            channel="balie",
        ),
        catalogue_version="2026.1",
    )
    state = q.fold(old.question_id, [old])
    with pytest.raises(DomainError) as err:
        q.correct(state, _correction(state, partner_unlisted=True), CTX)
    assert err.value.field == "warmth"
    assert q.correct(state, _correction(state, partner_unlisted=True, warmth="onbekend"), CTX) == []
    [e] = q.correct(
        state, _correction(state, partner_id=PARTNER, warmth="koud", referred_by_unlisted=True), CTX
    )
    assert (e.previous.warmth, e.what.warmth, e.what.referred_by_unlisted) == (None, "koud", True)
    assert (e.previous.partner_id, e.what.partner_id) == (None, PARTNER)


def _correction(state: q.Question, **kw) -> q.CorrectQuestion:
    w = state.what
    fields = dict(question_id=state.question_id, npd_party=w.npd_party, topic=w.topic, help=w.help)
    return q.CorrectQuestion(**{**fields, "note": state.note, **kw})


def test_a_correction_can_move_the_time_within_the_rules_of_backdating():
    state = _registered()
    earlier = NOW - timedelta(days=3, hours=2)
    [e] = q.correct(state, _correction(state, asked_at=earlier), CTX)
    assert e.previous.asked_at == NOW and e.what.asked_at == earlier
    assert q.evolve(state, e).what.asked_at == earlier


@pytest.mark.parametrize(
    "asked_at, message",
    [
        (NOW + timedelta(minutes=3), "toekomst"),
        (datetime(2025, 12, 31, 22, 59, tzinfo=UTC), "registreert pas vanaf 01-01-2026"),
        (datetime(2026, 11, 1, 10, 0), "tijdzone"),
    ],
)
def test_a_correction_cannot_move_the_time_where_a_registration_could_not_be(asked_at, message):
    state = _registered()
    with pytest.raises(DomainError, match=message) as err:
        q.correct(state, _correction(state, asked_at=asked_at), CTX)
    assert err.value.field == "asked_at"


def test_a_time_in_the_stored_minute_keeps_the_stored_instant():
    cmd = reg(asked_at=NOW - timedelta(hours=1, seconds=-37, microseconds=-5))
    state = q.fold(cmd.question_id, q.register(cmd, CTX))
    shown = state.what.asked_at.replace(second=0, microsecond=0)  # what a datetime-local field sends back
    assert q.correct(state, _correction(state, asked_at=shown), CTX) == []
    [e] = q.correct(state, _correction(state, asked_at=shown, help="samen_gezocht"), CTX)
    assert e.what.asked_at == state.what.asked_at


def test_a_correction_within_the_clock_skew_is_allowed():
    state = _registered()
    [e] = q.correct(state, _correction(state, asked_at=NOW + timedelta(minutes=1, seconds=30)), CTX)
    assert e.what.asked_at == NOW + timedelta(minutes=1, seconds=30)


def _registered() -> q.Question:
    cmd = reg(note="eerste keer")
    return q.fold(cmd.question_id, q.register(cmd, CTX))


def test_a_correction_carries_the_previous_classification():
    state = _registered()
    [e] = q.correct(
        state,
        q.CorrectQuestion(
            question_id=state.question_id,
            npd_party="svb",
            topic="svb.aow",
            help="samen_gezocht",
            note="eerste keer",
        ),
        CTX,
    )
    assert isinstance(e, q.QuestionCorrected)
    assert e.previous.npd_party == "cbr" and e.what.npd_party == "svb"
    assert e.what.asked_at == state.what.asked_at and e.what.location_id == LOC


def test_a_correction_that_changes_nothing_records_nothing():
    state = _registered()
    w = state.what
    same = q.CorrectQuestion(
        question_id=state.question_id, npd_party=w.npd_party, topic=w.topic, help=w.help, note="eerste keer"
    )
    assert q.correct(state, same, CTX) == []


def test_undo_retracts_once_and_a_retracted_question_cannot_be_changed():
    state = _registered()
    [e] = q.retract(state)
    assert isinstance(e, q.QuestionRetracted) and e.previous == state.what
    gone = q.evolve(state, e)
    with pytest.raises(DomainError, match="al ongedaan"):
        q.retract(gone)
    with pytest.raises(DomainError):
        q.correct(
            gone,
            q.CorrectQuestion(
                question_id=gone.question_id, npd_party="svb", topic="svb.aow", help="wegwijzer"
            ),
            CTX,
        )


def test_a_question_that_does_not_exist_cannot_be_undone():
    with pytest.raises(DomainError, match="bestaat niet"):
        q.retract(q.Question(uuid4()))


def test_a_tally_counts_n_questions_for_one_party_in_one_hour():
    hour = NOW.replace(minute=0) - timedelta(hours=2)
    [e] = q.tally(
        q.TallyQuestions(
            question_id=uuid4(), location_id=LOC, hour_start=hour, npd_party="belastingdienst", count=12
        ),
        CTX,
    )
    assert isinstance(e, q.QuestionsTallied) and e.what.count == 12 and e.what.topic is None


@pytest.mark.parametrize(
    "kw",
    [
        {"count": 0},
        {"count": 501},
        {"hour_start": NOW},
        {"npd_party": "nasa"},
        {"hour_start": NOW.replace(minute=0) + timedelta(hours=2)},
    ],
)
def test_refused_tallies(kw):
    base = dict(
        question_id=uuid4(), location_id=LOC, hour_start=NOW.replace(minute=0), npd_party="cbr", count=3
    )
    with pytest.raises(DomainError):
        q.tally(q.TallyQuestions(**{**base, **kw}), CTX)


def test_a_tally_cannot_be_corrected_but_can_be_undone():
    cmd = q.TallyQuestions(
        question_id=uuid4(), location_id=LOC, hour_start=NOW.replace(minute=0), npd_party="cbr", count=3
    )
    state = q.fold(cmd.question_id, q.tally(cmd, CTX))
    with pytest.raises(DomainError):
        q.correct(
            state,
            q.CorrectQuestion(
                question_id=state.question_id, npd_party="cbr", topic="cbr.overig", help="wegwijzer"
            ),
            CTX,
        )
    assert len(q.retract(state)) == 1


def _tally(**kw) -> q.TallyQuestions:
    base = dict(
        question_id=uuid4(), location_id=LOC, hour_start=NOW.replace(minute=0), npd_party="cbr", count=5
    )
    return q.TallyQuestions(**{**base, **kw})


def test_a_tally_says_how_many_visitors_asked_its_questions():
    [e] = q.tally(_tally(count=5, visitors=3), CTX)
    assert e.what.visitors == 3 and q.tally_visitors(e.what) == 3


def test_a_tally_without_visitors_counts_one_visitor_per_question_and_stores_no_number():
    [e] = q.tally(_tally(count=5), CTX)
    assert q.tally_visitors(e.what) == 5
    _, _, data = default_codec().encode(e)
    assert "visitors" not in data["what"], "an absent number stays absent: old and new tallies read alike"


def test_a_tally_stored_before_visitors_were_counted_reads_as_one_visitor_per_question():
    [e] = q.tally(_tally(count=4), CTX)
    codec = default_codec()
    name, version, data = codec.encode(e)
    old = codec.decode(name, version, data)
    assert q.tally_visitors(old.what) == 4 and old == e


@pytest.mark.parametrize("visitors", [0, 6, -1])
def test_a_tally_needs_between_one_visitor_and_one_per_question(visitors):
    with pytest.raises(DomainError, match="van 1 tot en met 5: niet meer bezoekers dan vragen") as err:
        q.tally(_tally(count=5, visitors=visitors), CTX)
    assert err.value.field == "visitors"


def test_a_registered_question_stores_no_visitors_field():
    [e] = q.register(reg(), CTX)
    _, _, data = default_codec().encode(e)
    assert "visitors" not in data["what"], "events of before and after compare equal on a retried append"
