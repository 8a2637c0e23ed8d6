"""Test-only event types for the event store contract (one with an upcaster from v1 to v2)."""

from __future__ import annotations

from typing import ClassVar

import msgspec


class Noted(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    n: int
    text: str = ""


class Renamed(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """v1 stored {"name": ...}; v2 stores it as `label` and records where it came from."""

    schema_version: ClassVar[int] = 2
    label: str
    source: str


def upcast_renamed_v1(data: dict) -> dict:
    return {"label": data["name"], "source": "v1"}


CONTRACT_TYPES = (Noted, Renamed)
CONTRACT_UPCASTERS = {("Renamed", 1): upcast_renamed_v1}
