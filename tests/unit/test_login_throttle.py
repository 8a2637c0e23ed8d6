"""The login throttle's rule: the waits, what the login form says, the lock a users page shows, who unlocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import DomainError
from domain.login_throttle import (
    Attempt,
    ThrottlePolicy,
    check_may_unlock,
    failure_notice,
    locked_until,
    refusal,
)

POLICY = ThrottlePolicy()
NOW = datetime(2026, 12, 7, 9, 40, tzinfo=UTC)  # 10:40 in the Netherlands


def test_the_waits_start_at_the_fifth_failure_and_grow_to_an_hour():
    assert [POLICY.delay_after(n) for n in range(1, 11)] == [0, 0, 0, 0, 60, 300, 900, 3600, 3600, 3600]


def test_the_fourth_failure_warns_and_the_fifth_says_when_to_try_again():
    assert [failure_notice(Attempt(True, n), POLICY, NOW) for n in (1, 2, 3)] == [None] * 3
    assert failure_notice(Attempt(True, 4), POLICY, NOW) == (
        "Let op: na nog één mislukte poging moet u 1 minuut wachten."
    )
    fifth = Attempt(True, 5, NOW + timedelta(seconds=60))
    assert failure_notice(fifth, POLICY, NOW) == "U kunt het opnieuw proberen om 10:41."


def test_the_time_to_try_again_is_rounded_up_and_local():
    summer = datetime(2026, 7, 1, 8, 0, 30, tzinfo=UTC)  # 10:00:30 in summer time
    assert refusal(Attempt(False, 5, summer, "pair"), summer) == (
        "Te veel mislukte pogingen. Probeer het opnieuw om 10:01."
    )


def test_a_wait_into_another_day_names_the_date():
    late = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # 23:30 local
    message = refusal(Attempt(False, 0, late + timedelta(hours=1), "account"), late)
    assert message.startswith(
        "Te veel mislukte pogingen voor dit account. Probeer het opnieuw op 8 december om 00:30"
    )
    assert "coördinator" in message


def test_the_address_refusal_says_it_is_the_network():
    message = refusal(Attempt(False, 0, NOW + timedelta(minutes=20), "address"), NOW)
    assert message == "Te veel mislukte pogingen vanaf dit netwerk. Probeer het opnieuw om 11:00."


def test_an_account_is_locked_until_the_end_of_its_latest_wait():
    t = NOW.timestamp()
    fields = {"n:10.0.0.1": "5", "t:10.0.0.1": str(t), "n:10.0.0.2": "2", "t:10.0.0.2": str(t), "total": "7"}
    assert locked_until(fields, POLICY, NOW) == NOW + timedelta(minutes=1)
    assert locked_until(fields, POLICY, NOW + timedelta(minutes=1)) is None
    assert locked_until({"n:10.0.0.2": "4", "t:10.0.0.2": str(t)}, POLICY, NOW) is None
    assert locked_until({"n:10.0.0.3": "1", "t:10.0.0.3": str(t + 60)}, POLICY, NOW) is None  # no wait


def test_the_account_wide_run_locks_for_a_day_from_its_first_failure():
    since = (NOW - timedelta(hours=2)).timestamp()
    fields = {"total": "100", "since": str(since)}
    assert locked_until(fields, POLICY, NOW) == NOW + timedelta(hours=22)
    assert locked_until({"total": "99", "since": str(since)}, POLICY, NOW) is None


def test_a_coordinator_unlocks_only_accounts_of_their_library_alone():
    mine, other = uuid4(), uuid4()
    check_may_unlock([mine, mine], mine)
    with pytest.raises(DomainError, match="hoort niet bij uw bibliotheek"):
        check_may_unlock([other], mine)
    with pytest.raises(DomainError, match="platformbeheerder"):
        check_may_unlock([mine, None], mine)
