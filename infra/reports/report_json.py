"""A report as JSON and back, for a PDF rendered by another process than the one that loaded the report (the
national bundle's helpers); and the fingerprint of what a PDF shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass, replace
from datetime import date
from typing import Any

from domain.report import Period, Ratio, Report, Section

_TYPES: dict[str, type] = {t.__name__: t for t in (Report, Section, Period, Ratio)}


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {"$": type(value).__name__, **{f.name: _plain(getattr(value, f.name)) for f in fields(value)}}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_typed(v) for v in value)
    if isinstance(value, dict):
        if "$d" in value:
            return date.fromisoformat(value["$d"])
        if "$" in value:
            return _TYPES[value["$"]](**{k: _typed(v) for k, v in value.items() if k != "$"})
        return {k: _typed(v) for k, v in value.items()}
    return value


def encode(report: Report) -> bytes:
    return json.dumps(_plain(report), ensure_ascii=False, separators=(",", ":")).encode()


def decode(content: bytes) -> Report:
    """Raises: KeyError for a type this module does not know (never unpickles: the row is data, not code)."""
    report = _typed(json.loads(content))
    if not isinstance(report, Report):
        raise ValueError("not a report")
    return report


def fingerprint(report: Report, layout: str) -> str:
    """What a rendering of `report` in `layout` shows, but for the day it was made: the same fingerprint, the same
    PDF (a PDF kept from an earlier day says so in its "Aangemaakt op")."""
    undated = _plain(replace(report, generated_on=date(2000, 1, 1)))
    return hashlib.sha256(f"{layout}\x1f{json.dumps(undated, sort_keys=True)}".encode()).hexdigest()
