"""Domain errors: raised by domain functions, turned into 4xx pages or JSON by onestop.errors."""


class DomainError(Exception):
    """A refusal that the user can understand; nothing was stored."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ValidationError(DomainError):
    """Input that fails validation; ``errors`` maps each field to its message."""

    status = 422
    code = "invalid"

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))
        self.errors = errors


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The action does not fit the current state (a ticket already called, ...)."""

    status = 409
    code = "conflict"
