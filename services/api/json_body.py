"""The request class of the app: a JSON body that cannot be decoded, however it fails, is the client's 400."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, SerializationException


class JsonBodyRequest(Request):
    """Every JSON body of the app is decoded here (the `data` of a route handler too), so this is the one place
    that holds for every JSON endpoint, also one added later."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            # msgspec decodes nested arrays and objects on the interpreter's stack: a body of a few kilobytes of
            # `[` runs out of it, and the error is not msgspec's DecodeError that Litestar answers with a 400
            raise ClientException("JSON nested too deeply") from None
        except SerializationException as exc:  # the same answer for a handler that reads the body itself
            raise ClientException(str(exc)) from exc
