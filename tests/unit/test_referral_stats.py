"""Referrals as the read model referrals.v2 counts them (pure): per day × location × partner × kind of question;
a correction takes the previous cell away and adds the new one, so a changed kind or partner moves the referral;
a referral naming no partner and a tally count nothing here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from domain import question_stats as qs
from domain import questions as q
from domain.calendar import local_day

NOW = datetime(2026, 6, 10, 14, 30, tzinfo=UTC)
LOC = uuid4()
TAAL, RAAD = uuid4(), uuid4()
CTX = q.DeskContext(now=NOW, locations={LOC: date(2026, 1, 1)}, partners=frozenset([TAAL, RAAD]))
DAY = local_day(NOW)


def ask(**kw) -> q.QuestionRegistered:
    cmd = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=LOC,
        npd_party="svb",
        topic="svb.aow",
        help=kw.pop("help", "lokale_partner"),
        asked_at=NOW,
        **kw,
    )
    [e] = q.register(cmd, CTX)
    return e


def correct(e: q.QuestionRegistered, **kw) -> q.QuestionCorrected:
    cmd = q.CorrectQuestion(
        question_id=e.question_id,
        npd_party="svb",
        topic="svb.aow",
        help=kw.pop("help", "lokale_partner"),
        **kw,
    )
    [c] = q.correct(q.fold(e.question_id, [e]), cmd, CTX)
    return c


def key(partner, kind="digitale_overheid") -> qs.ReferralKey:
    return qs.ReferralKey(DAY, LOC, partner, kind)


def test_a_referral_counts_for_its_partner_and_kind_of_question():
    assert qs.referral_deltas(ask(partner_id=TAAL)) == [(key(TAAL), 1)]
    assert qs.referral_deltas(ask(partner_id=TAAL, kind="bibliotheekdienst")) == [
        (key(TAAL, "bibliotheekdienst"), 1)
    ]


def test_a_referral_naming_no_partner_and_other_help_count_nothing_here():
    assert qs.referral_deltas(ask(partner_unlisted=True)) == []
    assert qs.referral_deltas(ask(help="wegwijzer")) == []


def test_a_correction_of_the_kind_moves_the_referral_to_the_other_kind():
    e = ask(partner_id=TAAL)
    c = correct(e, partner_id=TAAL, kind="overig")
    assert qs.referral_deltas(c) == [(key(TAAL), -1), (key(TAAL, "overig"), 1)]
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(c)]) == {key(TAAL, "overig"): 1}


def test_a_correction_of_the_partner_moves_the_referral_to_the_other_partner():
    e = ask(partner_id=TAAL)
    c = correct(e, partner_id=RAAD)
    assert qs.referral_deltas(c) == [(key(TAAL), -1), (key(RAAD), 1)]
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(c)]) == {key(RAAD): 1}


def test_a_correction_to_an_unlisted_partner_or_other_help_takes_the_referral_away():
    e = ask(partner_id=TAAL)
    assert qs.referral_deltas(correct(e, partner_unlisted=True)) == [(key(TAAL), -1)]
    assert qs.referral_deltas(correct(e, help="wegwijzer")) == [(key(TAAL), -1)]
    unlisted = ask(partner_unlisted=True)
    assert qs.referral_deltas(correct(unlisted, partner_id=RAAD)) == [(key(RAAD), 1)]


def test_a_retraction_takes_the_referral_away():
    e = ask(partner_id=RAAD, kind="bibliotheekdienst")
    [r] = q.retract(q.fold(e.question_id, [e]))
    assert qs.referral_deltas(r) == [(key(RAAD, "bibliotheekdienst"), -1)]
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(r)]) == {}


def test_a_tally_has_no_help_so_no_referral():
    cmd = q.TallyQuestions(
        question_id=uuid4(), location_id=LOC, hour_start=NOW.replace(minute=0), npd_party="svb", count=5
    )
    [t] = q.tally(cmd, CTX)
    assert qs.referral_deltas(t) == []
    [r] = q.retract(q.fold(t.question_id, [t]))
    assert qs.referral_deltas(r) == []
