"""The suite's clock: every test starts at the same ordinary instant (a Wednesday morning in June, Amsterdam time)
and may set another. Expected values come from these constants, never from the wall clock."""

from __future__ import annotations

from datetime import date, time, timedelta

from domain.calendar import at_local

TODAY = date(2026, 6, 10)  # a Wednesday, no holiday, far from a year, quarter or DST boundary
NOW = at_local(TODAY, time(8, 0))
YEAR = TODAY.year
YESTERDAY = TODAY - timedelta(days=1)
