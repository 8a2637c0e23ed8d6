"""Password hashes: production parameters by default, a cheap profile for test runs only, verification across
profiles, and the dummy hash of unknown accounts at the same parameters as every new hash."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from infra.platform.passwords import Passwords
from infra.settings import Settings

ENV = {"DATABASE_URL": "postgresql://u@127.0.0.1/db", "REDIS_URL": "redis://127.0.0.1:6379/0"}
PASSWORD = "Paarse-olifant-zingt-7"


def test_default_settings_hash_with_argon2id_at_production_parameters():
    passwords = Passwords(Settings.from_env(ENV).password_hash_profile)
    h = passwords.hash(PASSWORD)
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    params = extract_parameters(h)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (Type.ID, 65536, 3, 4)
    assert params == RFC_9106_LOW_MEMORY  # also the salt and hash lengths
    assert passwords.verify(h, PASSWORD)
    assert not passwords.verify(h, PASSWORD + "!")
    assert not passwords.needs_rehash(h)


def test_the_test_profile_is_cheap_and_hashes_verify_across_profiles():
    production, test = (
        Passwords("production"),
        Passwords(Settings.from_env(ENV | {"PASSWORD_HASH_PROFILE": "test"}).password_hash_profile),
    )
    cheap = test.hash(PASSWORD)
    assert extract_parameters(cheap).memory_cost < 65536 and extract_parameters(cheap).time_cost < 3
    assert production.verify(cheap, PASSWORD)  # the cost is what the stored hash says
    assert production.needs_rehash(cheap)
    assert test.needs_rehash(production.hash(PASSWORD))
    assert not test.needs_rehash(cheap)
    assert production.needs_rehash("geen-hash")


@pytest.mark.parametrize("profile", ["production", "test"])
def test_unknown_accounts_verify_against_a_hash_at_the_profile_parameters(profile):
    passwords = Passwords(profile)
    assert extract_parameters(passwords.unknown_account_hash) == extract_parameters(passwords.hash(PASSWORD))
    assert not passwords.verify(None, "ongebruikt-wachtwoord-voor-gelijke-tijd")
    assert not passwords.verify("", PASSWORD)


def test_an_unknown_profile_is_refused():
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_PROFILE"):
        Settings.from_env(ENV | {"PASSWORD_HASH_PROFILE": "snel"})
