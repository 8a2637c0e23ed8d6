"""Which quarter's kwartaaloverzicht is due at an instant, for which library and whom (domain/quarterly_mail.py),
and the POI's table with its small cells hidden."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest

from domain.calendar import at_local
from domain.quarterly_mail import (
    Figures,
    Ido,
    Library,
    Recipient,
    Scope,
    due_at,
    due_mails,
    due_quarter,
    poi_section,
    quarter_text,
)
from domain.report import SUPPRESSED, Period

POI = uuid4()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # 1 January: the fourth quarter of the year before, from 07:00 Dutch winter time (06:00 UTC)
        (utc(2026, 12, 31, 23, 30), None),  # already 1 January in the Netherlands, but night
        (utc(2027, 1, 1, 5, 59), None),
        (utc(2027, 1, 1, 6, 0), Period(2026, 4)),
        (utc(2027, 1, 14, 5, 59), Period(2026, 4)),
        (utc(2027, 1, 15, 6, 0), None),  # two weeks later nobody new gets it
        # after the clocks moved forward (29 March 2026) 07:00 Dutch time is 05:00 UTC
        (utc(2026, 4, 1, 4, 59), None),
        (utc(2026, 4, 1, 5, 0), Period(2026, 1)),
        (utc(2026, 7, 1, 5, 0), Period(2026, 2)),
        (utc(2026, 10, 1, 5, 0), Period(2026, 3)),  # still summer time on 1 October
        (utc(2026, 6, 10, 6, 0), None),  # an ordinary day mid-quarter
        (utc(2026, 3, 31, 21, 59), None),  # the last evening of the quarter
    ],
)
def test_the_quarter_is_due_from_seven_on_the_first_day_of_the_next_by_dutch_clocks(now, due):
    assert due_quarter(now) == due


def test_the_due_moment_follows_daylight_saving_time():
    assert due_at(Period(2026, 4)) == utc(2027, 1, 1, 6, 0)  # CET
    assert due_at(Period(2026, 1)) == utc(2026, 4, 1, 5, 0)  # CEST
    assert due_at(Period(2026, 3)) == at_local(date(2026, 10, 1), time(7))
    assert quarter_text(Period(2026, 2)) == "het tweede kwartaal van 2026"


JULY_FIRST = at_local(date(2026, 7, 1), time(8))
Q2 = Period(2026, 2)


def library(questions: int = 0, *idos: Ido) -> Library:
    return Library(uuid4(), POI, questions, tuple(idos))


@pytest.mark.parametrize(
    ("lib", "reports"),
    [
        (library(3), True),
        (library(0, Ido(date(2026, 5, 12))), True),  # its first quarter, opened half-way: 0 vragen
        (library(0, Ido(date(2025, 9, 1))), True),
        (library(0, Ido(None)), False),  # still preparing its IDO
        (library(0), False),  # no IDO at all
        (library(0, Ido(date(2026, 7, 1))), False),  # opened the day after the quarter
        (library(0, Ido(date(2025, 9, 1), closed_on=date(2026, 3, 31))), False),  # closed before it
        (library(0, Ido(date(2025, 9, 1), closed_on=date(2026, 4, 1))), True),  # closed in it
        (library(2, Ido(None)), True),  # registered before the opening: the questions count
    ],
)
def test_a_library_reports_on_a_quarter_with_a_question_or_an_open_ido(lib, reports):
    assert lib.reports_on(Q2) is reports


def test_coordinators_and_advisers_of_reporting_libraries_are_due_once_each():
    active, quiet = library(7), library(0)
    coordinator, adviser, other = uuid4(), uuid4(), uuid4()
    recipients = [
        Recipient(coordinator, Scope.LIBRARY, active.tenant_id),
        Recipient(other, Scope.LIBRARY, quiet.tenant_id),
        Recipient(adviser, Scope.POI, POI),
        Recipient(adviser, Scope.POI, uuid4()),  # a POI without a reporting library
    ]
    due = due_mails(JULY_FIRST, [active, quiet], recipients)
    assert {(d.user_id, d.scope, d.scope_id) for d in due} == {
        (coordinator, Scope.LIBRARY, active.tenant_id),
        (adviser, Scope.POI, POI),
    }
    assert {d.period for d in due} == {Q2}


def test_nothing_is_due_outside_the_window():
    lib = library(7)
    recipients = [Recipient(uuid4(), Scope.LIBRARY, lib.tenant_id)]
    assert due_mails(JULY_FIRST - timedelta(hours=2), [lib], recipients) == []  # 06:00 on 1 July
    assert due_mails(at_local(date(2026, 6, 10), time(9)), [lib], recipients) == []


def test_an_opted_out_user_gets_nothing_and_opting_in_again_sends_no_past_quarter():
    lib = library(7)
    before, after = due_at(Q2) - timedelta(days=20), due_at(Q2) + timedelta(minutes=5)
    out = Recipient(uuid4(), Scope.LIBRARY, lib.tenant_id, subscribed=False)
    back_before = Recipient(uuid4(), Scope.LIBRARY, lib.tenant_id, since=before)
    back_after = Recipient(uuid4(), Scope.LIBRARY, lib.tenant_id, since=after)
    due = due_mails(JULY_FIRST, [lib], [out, back_before, back_after])
    assert [d.user_id for d in due] == [back_before.user_id]
    # the next quarter reaches the one who came back after the second quarter's mail
    october = at_local(date(2026, 10, 1), time(7))
    assert {d.user_id for d in due_mails(october, [lib], [back_after])} == {back_after.user_id}


def test_the_poi_table_hides_small_cells_and_what_would_follow_from_them():
    section = poi_section(
        [
            Figures("Bibliotheek Noord", 40, 30, 20, 5.5, 3),
            Figures("Bibliotheek Zuid", 12, 10, 8, 2.0, 0),
            Figures("Bibliotheek Oost", 25, 20, 2, 0.5, 6),
        ]
    )
    noord, zuid, oost = section.rows
    assert noord == ("Bibliotheek Noord", 40, 30, 1.33, 20, 5.5, SUPPRESSED)
    assert zuid == ("Bibliotheek Zuid", 12, 10, 1.2, SUPPRESSED, SUPPRESSED, 0)
    # Oost's 2 questions with a duration hide, with their hours; Zuid's 8, the next smallest, hides too so
    # that Oost's cannot follow from the total; the 3 referrals of Noord hide, and then Oost's 6
    assert oost[4] == SUPPRESSED and oost[5] == SUPPRESSED and oost[6] == SUPPRESSED
    assert section.total == ("Totaal", 77, 60, 1.28, 30, 8.0, 9)


def test_the_poi_table_of_one_small_library_hides_its_total_as_well():
    section = poi_section([Figures("Bibliotheek Klein", 3, 2, 0, 0.0, 0)])
    [row] = section.rows
    assert row[1:4] == (SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert section.total[1:4] == (SUPPRESSED, SUPPRESSED, SUPPRESSED)
