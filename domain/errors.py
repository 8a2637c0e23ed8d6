"""Domain exceptions; each carries a Dutch message the edge can show as it is."""


class DomainError(Exception):
    """A refused command. `message` is Dutch and fit for the user; `field` names the input at fault."""

    code = "domain-error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class WrongExpectedVersion(DomainError):
    """Another writer appended to the stream first (optimistic concurrency)."""

    code = "wrong-expected-version"

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(
            f"De gegevens zijn intussen door iemand anders gewijzigd (stroom {stream_id}: "
            f"verwacht versie {expected}, werkelijk {actual}). Laad de pagina opnieuw en probeer het nog eens."
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyConflict(DomainError):
    """An event id was used before for a different event."""

    code = "idempotency-conflict"

    def __init__(self, event_id: object) -> None:
        super().__init__(
            "Deze sleutel is al gebruikt voor een andere registratie; "
            "een herhaalde verzending moet precies dezelfde gegevens bevatten."
        )
        self.event_id = event_id


class NotFound(DomainError):
    code = "not-found"


class Forbidden(DomainError):
    """Not for the user's role; the message says whom it is for."""

    code = "forbidden"
