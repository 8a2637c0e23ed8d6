"""Onboarding rules: who may invite whom, the state of a link, webhook addresses, municipalities, provinces,
and whom a coordinator may switch off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.accounts import Role
from domain.errors import DomainError
from domain.onboarding import (
    LinkState,
    check_may_deactivate,
    check_new_password,
    check_provinces,
    check_webhook_url,
    link_state,
    may_invite,
    parse_municipalities,
)

A, B, P, Q = uuid4(), uuid4(), uuid4(), uuid4()
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@dataclass(frozen=True)
class M:
    role: Role
    tenant_id: UUID | None = None
    poi_id: UUID | None = None


@pytest.mark.parametrize(
    ("inviter", "role", "tenant", "poi", "allowed"),
    [
        (M(Role.COORDINATOR, A), Role.DESK, A, None, True),
        (M(Role.COORDINATOR, A), Role.COORDINATOR, A, None, True),
        (M(Role.COORDINATOR, A), Role.DESK, B, None, False),
        (M(Role.COORDINATOR, A), Role.POI_ADVISER, None, P, False),
        (M(Role.COORDINATOR, A), Role.KB_ANALYST, None, None, False),
        (M(Role.DESK, A), Role.DESK, A, None, False),
        (M(Role.POI_ADVISER, poi_id=P), Role.POI_ADVISER, None, P, True),
        (M(Role.POI_ADVISER, poi_id=P), Role.POI_ADVISER, None, Q, False),
        (M(Role.POI_ADVISER, poi_id=P), Role.COORDINATOR, A, None, False),
        (M(Role.PLATFORM_ADMIN), Role.POI_ADVISER, None, P, True),
        (M(Role.PLATFORM_ADMIN), Role.KB_ANALYST, None, None, True),
        (M(Role.PLATFORM_ADMIN), Role.COORDINATOR, A, None, True),
        (M(Role.PLATFORM_ADMIN), Role.DESK, A, None, False),
        (M(Role.PLATFORM_ADMIN), Role.PLATFORM_ADMIN, None, None, False),
        (M(Role.KB_ANALYST), Role.KB_ANALYST, None, None, False),
    ],
)
def test_who_may_invite_whom(inviter, role, tenant, poi, allowed):
    assert may_invite([inviter], role, tenant, poi) is allowed


def test_a_link_is_open_until_used_replaced_or_expired():
    later = NOW + timedelta(days=7)
    assert link_state(None, later, NOW) == LinkState.OPEN
    assert link_state(NOW, later, NOW) == LinkState.USED
    assert link_state(None, later, NOW, revoked_at=NOW) == LinkState.REVOKED
    assert link_state(None, NOW, NOW) == LinkState.EXPIRED
    assert link_state(NOW, NOW - timedelta(days=1), NOW) == LinkState.USED  # used wins over expired


@pytest.mark.parametrize(
    "url", ["https://poi.example/hook", "http://127.0.0.1:8080/hook", "http://localhost/x"]
)
def test_webhook_addresses_that_are_accepted(url):
    assert check_webhook_url(f"  {url} ") == url


@pytest.mark.parametrize(
    "url", ["http://poi.example/hook", "ftp://poi.example", "https://", "javascript:alert(1)"]
)
def test_webhook_addresses_that_are_refused(url):
    with pytest.raises(DomainError) as err:
        check_webhook_url(url)
    assert err.value.field == "webhook_url"


def test_an_empty_webhook_address_means_none():
    assert check_webhook_url("  ") is None


def test_municipalities_one_per_line_without_doubles():
    assert parse_municipalities("Middelburg\n  Vlissingen ;Veere,\n\nMiddelburg") == (
        "Middelburg",
        "Vlissingen",
        "Veere",
    )


def test_provinces_keep_the_official_order_and_refuse_unknown_names():
    assert check_provinces(["Zeeland", "Drenthe"]) == ("Drenthe", "Zeeland")
    with pytest.raises(DomainError):
        check_provinces(["Holland"])


def test_a_coordinator_may_not_switch_off_themselves_or_someone_working_elsewhere():
    me, other = uuid4(), uuid4()
    check_may_deactivate(me, other, [M(Role.DESK, A)], A)
    with pytest.raises(DomainError, match="eigen account"):
        check_may_deactivate(me, me, [M(Role.COORDINATOR, A)], A)
    with pytest.raises(DomainError, match="andere bibliotheek"):
        check_may_deactivate(me, other, [M(Role.DESK, A), M(Role.DESK, B)], A)


def test_a_new_password_is_typed_twice_and_differs_from_the_current_one():
    assert check_new_password("een lange zin hier", "een lange zin hier") == "een lange zin hier"
    with pytest.raises(DomainError, match="niet gelijk"):
        check_new_password("een lange zin hier", "een lange zin daar")
    with pytest.raises(DomainError, match="ander wachtwoord"):
        check_new_password("een lange zin hier", "een lange zin hier", current="een lange zin hier")
