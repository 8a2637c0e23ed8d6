"""Commands in tests go the one way the app's do: through the bus (services/bootstrap.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.ports import Outcome
from services.bootstrap import command_bus


async def handle(
    container: Any, tenant_id: UUID, command: Any, meta: dict[str, Any] | None = None
) -> Outcome:
    return await command_bus(container).handle(tenant_id, command, meta or {})
