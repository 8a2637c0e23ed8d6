"""Encoding of domain events to JSON rows and back, with upcasters for old schema versions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    pass


class Codec:
    """Maps event type names to msgspec structs. A struct's `schema_version` ClassVar (default 1) is current;
    rows stored at an older version pass through `upcasters[(type, version)]` one step at a time."""

    def __init__(
        self, types: Iterable[type[msgspec.Struct]], upcasters: Mapping[tuple[str, int], Upcaster] = {}
    ):
        self._types = {t.__name__: t for t in types}
        self._upcasters = dict(upcasters)
        self._decoders: dict[str, msgspec.json.Decoder] = {}
        for name, version in self._upcasters:
            if name not in self._types or version >= self.schema_version(name):
                raise ValueError(f"upcaster {name} v{version} does not lead to a current version")

    def schema_version(self, event_type: str) -> int:
        return int(getattr(self._types[event_type], "schema_version", 1))

    def encode(self, event: msgspec.Struct) -> tuple[str, int, dict[str, Any]]:
        name = type(event).__name__
        if self._types.get(name) is not type(event):
            raise UnknownEventType(name)
        data = msgspec.to_builtins(event, str_keys=True)
        tag_field = type(event).__struct_config__.tag_field
        if tag_field:
            data.pop(tag_field, None)
        return name, self.schema_version(name), data

    def decode(self, event_type: str, schema_version: int, data: Mapping[str, Any]) -> msgspec.Struct:
        try:
            cls = self._types[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None
        payload = dict(data)
        current = self.schema_version(event_type)
        while schema_version < current:
            payload = self._upcasters[(event_type, schema_version)](payload)
            schema_version += 1
        return msgspec.convert(payload, cls, strict=False)

    def decode_json(self, event_type: str, schema_version: int, raw: str | bytes) -> msgspec.Struct:
        """decode() from the JSON text: straight into the struct when no upcaster applies."""
        if schema_version < self.schema_version(event_type):
            return self.decode(event_type, schema_version, msgspec.json.decode(raw))
        try:
            decoder = self._decoders[event_type]
        except KeyError:
            try:
                cls = self._types[event_type]
            except KeyError:
                raise UnknownEventType(event_type) from None
            decoder = self._decoders[event_type] = msgspec.json.Decoder(cls, strict=False)
        return decoder.decode(raw)

    def with_types(
        self, types: Iterable[type[msgspec.Struct]], upcasters: Mapping[tuple[str, int], Upcaster] = {}
    ):
        return Codec([*self._types.values(), *types], {**self._upcasters, **upcasters})


def json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def from_jsonb(value: Any) -> Any:
    """asyncpg hands jsonb to text() queries as a string; typed columns arrive decoded."""
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


def default_codec() -> Codec:
    from domain.registry import EVENT_TYPES
    from infra.store.upcasters import UPCASTERS

    return Codec(EVENT_TYPES, UPCASTERS)
