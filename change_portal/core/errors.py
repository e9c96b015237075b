"""Domain errors raised by services and turned into form errors or flashes by views."""


class DomainError(Exception):
    """A business rule refused the operation; `str(err)` is the message for people
    (already translated by the service, French by default)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this (views answer 403)."""
