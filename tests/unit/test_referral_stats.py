"""Referrals as the read model referrals.v3 counts them (pure): per day × location × direction × partner × kind of
question × warmth; `naar` a partner for every referral (a partner not listed under the nil id), `door` one for a
visitor a partner sent; a correction takes the previous cell away and adds the new one, so a changed kind,
partner or warmth moves the referral; a tally counts nothing here."""

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
NONE = qs.NO_PARTNER


def ask(**kw) -> q.QuestionRegistered:
    help_ = kw.pop("help", "lokale_partner")
    if help_ == "lokale_partner":
        kw.setdefault("warmth", "warm")
    cmd = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=uuid4(),
        location_id=LOC,
        npd_party="svb",
        topic="svb.aow",
        help=help_,
        asked_at=NOW,
        **kw,
    )
    [e] = q.register(cmd, CTX)
    return e


def correct(e: q.QuestionRegistered, **kw) -> q.QuestionCorrected:
    help_ = kw.pop("help", "lokale_partner")
    if help_ == "lokale_partner":
        kw.setdefault("warmth", "warm")
    cmd = q.CorrectQuestion(question_id=e.question_id, npd_party="svb", topic="svb.aow", help=help_, **kw)
    [c] = q.correct(q.fold(e.question_id, [e]), cmd, CTX)
    return c


def key(partner, kind="digitale_overheid", warmth="warm") -> qs.ReferralKey:
    return qs.ReferralKey(DAY, LOC, qs.TO, partner, kind, warmth)


def by(partner, kind="digitale_overheid") -> qs.ReferralKey:
    return qs.ReferralKey(DAY, LOC, qs.FROM, partner, kind, "")


def test_a_referral_counts_for_its_partner_kind_of_question_and_warmth():
    assert qs.referral_deltas(ask(partner_id=TAAL)) == [(key(TAAL), 1)]
    assert qs.referral_deltas(ask(partner_id=TAAL, kind="bibliotheekdienst", warmth="koud")) == [
        (key(TAAL, "bibliotheekdienst", "koud"), 1)
    ]


def test_a_referral_naming_no_listed_partner_counts_under_the_nil_partner_and_other_help_counts_nothing():
    assert qs.referral_deltas(ask(partner_unlisted=True, warmth="koud")) == [(key(NONE, warmth="koud"), 1)]
    assert qs.referral_deltas(ask(help="wegwijzer")) == []


def test_a_referral_without_warmth_said_unknown_counts_as_not_recorded():
    e = ask(partner_id=RAAD, warmth="onbekend")
    assert e.what.warmth is None
    assert qs.referral_deltas(e) == [(key(RAAD, warmth=""), 1)]


def test_a_visitor_sent_by_a_partner_counts_for_that_partner_whatever_the_help():
    assert qs.referral_deltas(ask(help="wegwijzer", referred_by_partner_id=RAAD)) == [(by(RAAD), 1)]
    assert qs.referral_deltas(ask(help="samen_gezocht", referred_by_unlisted=True)) == [(by(NONE), 1)]
    # sent by one partner and referred on to another: both ways
    e = ask(partner_id=TAAL, warmth="koud", referred_by_partner_id=RAAD)
    assert qs.referral_deltas(e) == [(key(TAAL, warmth="koud"), 1), (by(RAAD), 1)]


def test_a_correction_of_the_kind_moves_the_referral_to_the_other_kind():
    e = ask(partner_id=TAAL)
    c = correct(e, partner_id=TAAL, kind="overig")
    assert qs.referral_deltas(c) == [(key(TAAL), -1), (key(TAAL, "overig"), 1)]
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(c)]) == {key(TAAL, "overig"): 1}


def test_a_correction_of_the_partner_or_the_warmth_moves_the_referral():
    e = ask(partner_id=TAAL)
    c = correct(e, partner_id=RAAD)
    assert qs.referral_deltas(c) == [(key(TAAL), -1), (key(RAAD), 1)]
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(c)]) == {key(RAAD): 1}
    cold = correct(e, partner_id=TAAL, warmth="koud")
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(cold)]) == {key(TAAL, warmth="koud"): 1}


def test_a_correction_to_other_help_takes_the_referral_away_and_one_of_the_sender_moves_it():
    e = ask(partner_id=TAAL, referred_by_partner_id=RAAD)
    assert qs.referral_deltas(correct(e, help="wegwijzer", referred_by_partner_id=RAAD)) == [
        (key(TAAL), -1),
        (by(RAAD), -1),
        (by(RAAD), 1),
    ]
    gone = correct(e, partner_id=TAAL)  # no partner sent the visitor after all
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(gone)]) == {key(TAAL): 1}
    unlisted = ask(partner_unlisted=True)
    assert qs.merge(
        [*qs.referral_deltas(unlisted), *qs.referral_deltas(correct(unlisted, partner_id=RAAD))]
    ) == {key(RAAD): 1}


def test_a_retraction_takes_the_referrals_both_ways_away():
    e = ask(partner_id=RAAD, kind="bibliotheekdienst", referred_by_unlisted=True)
    [r] = q.retract(q.fold(e.question_id, [e]))
    assert qs.referral_deltas(r) == [
        (key(RAAD, "bibliotheekdienst"), -1),
        (by(NONE, "bibliotheekdienst"), -1),
    ]
    assert qs.merge([*qs.referral_deltas(e), *qs.referral_deltas(r)]) == {}


def test_a_question_stored_before_warmth_and_senders_were_recorded_counts_as_not_recorded():
    """An event of before this change has no warmth and no sender: it decodes with the defaults."""
    from infra.store.codec import default_codec

    codec = default_codec()
    e = ask(partner_id=TAAL)
    name, version, data = codec.encode(e)
    for field in ("warmth", "referred_by_partner_id", "referred_by_unlisted"):
        data["what"].pop(field)
    old = codec.decode(name, version, data)
    assert old.what.warmth is None and old.what.referred_by_partner_id is None
    assert qs.referral_deltas(old) == [(key(TAAL, warmth=""), 1)]


def test_a_tally_has_no_help_so_no_referral():
    cmd = q.TallyQuestions(
        question_id=uuid4(), location_id=LOC, hour_start=NOW.replace(minute=0), npd_party="svb", count=5
    )
    [t] = q.tally(cmd, CTX)
    assert qs.referral_deltas(t) == []
    [r] = q.retract(q.fold(t.question_id, [t]))
    assert qs.referral_deltas(r) == []
