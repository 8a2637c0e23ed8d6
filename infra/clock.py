"""The clock every domain decision takes "now" from: the system clock in production, a fixed instant when the
settings name one (tests, demos of a given day). This is the one module that reads the wall clock for a decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.ports import Clock
from infra.settings import Settings


class SystemClock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Stands still at one instant until set or advanced; tests move it per test."""

    def __init__(self, at: datetime) -> None:
        self.set(at)

    def __call__(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a fixed clock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def advance(self, by: timedelta) -> None:
        self._at += by


def clock_for(settings: Settings) -> Clock:
    return FixedClock(settings.fixed_now) if settings.fixed_now else SystemClock()
