"""The partner form's values as infra/platform/partners.py reads them: texts, and the lists of checked boxes."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import FormMultiDict

LISTS = ("topics", "referral_ways")


def partner_values(form: FormMultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(v) for k, v in form.items() if k not in LISTS}
    for name in LISTS:
        values[name] = [str(v) for v in form.getall(name, [])]
    return values
