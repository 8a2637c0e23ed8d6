"""Password hashing with argon2id at the parameters of a settings profile; verification runs off the event loop."""

from __future__ import annotations

import asyncio
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PROFILES: dict[str, dict[str, int]] = {
    # argon2-cffi's default, RFC 9106's low-memory choice: about 0.1 s of a core a hash
    "production": {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4},
    # test runs make and log in hundreds of users; never for real passwords
    "test": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}


class Passwords:
    """Hashes at the profile's parameters. Verification costs what the stored hash says, so a hash made at other
    parameters still verifies; `needs_rehash` tells when to store a new one."""

    def __init__(self, profile: str = "production") -> None:
        self.profile = profile
        self._hasher = PasswordHasher(**PROFILES[profile])

    @cached_property
    def unknown_account_hash(self) -> str:
        """A hash to verify against when the account does not exist: made at the same parameters as every new
        hash, so both answers take as long."""
        return self._hasher.hash("ongebruikt-wachtwoord-voor-gelijke-tijd")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash_async(self, password: str) -> str:
        return await asyncio.to_thread(self.hash, password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return (
                self._hasher.verify(password_hash or self.unknown_account_hash, password)
                and password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    async def verify_async(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self.verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made at other parameters than this profile's."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
