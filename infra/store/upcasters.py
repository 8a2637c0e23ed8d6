"""Upcasters for stored events whose schema changed: (event type, stored version) -> one step newer."""

from infra.store.codec import Upcaster

UPCASTERS: dict[tuple[str, int], Upcaster] = {}
