"""Errors and the spec's error envelope (section 3.2): ``{"error": {"code", "message", "details"}}``.

Services raise a ``CatalystError`` subclass; the app factory turns it into the envelope with
its HTTP status. Clients turn an envelope back into the same exception type.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(examples=["INVALID_INPUT"])
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class CatalystError(Exception):
    """Base of every error that crosses a service boundary."""

    status_code: ClassVar[int] = 500
    default_code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}

    def envelope(self) -> ErrorEnvelope:
        return ErrorEnvelope(error=ErrorBody(code=self.code, message=self.message, details=self.details))


class InvalidInput(CatalystError):
    status_code = 400
    default_code = "INVALID_INPUT"


class InsufficientData(InvalidInput):
    default_code = "INSUFFICIENT_DATA"


class Unauthorized(CatalystError):
    status_code = 401
    default_code = "UNAUTHORIZED"


class Forbidden(CatalystError):
    status_code = 403
    default_code = "FORBIDDEN"


class NotFound(CatalystError):
    status_code = 404
    default_code = "NOT_FOUND"


class Conflict(CatalystError):
    status_code = 409
    default_code = "CONFLICT"


class Unprocessable(CatalystError):
    status_code = 422
    default_code = "UNPROCESSABLE"


class RateLimited(CatalystError):
    status_code = 429
    default_code = "RATE_LIMITED"


class UpstreamError(CatalystError):
    """A dependency (another service, a broker, a news source) failed."""

    status_code = 502
    default_code = "UPSTREAM_ERROR"


class ServiceUnavailable(CatalystError):
    status_code = 503
    default_code = "SERVICE_UNAVAILABLE"


_BY_STATUS: dict[int, type[CatalystError]] = {
    cls.status_code: cls
    for cls in (InvalidInput, Unauthorized, Forbidden, NotFound, Conflict, Unprocessable, RateLimited,
                UpstreamError, ServiceUnavailable)
}


def error_for_status(status: int) -> type[CatalystError]:
    """The exception class a client raises for a remote error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return InvalidInput if 400 <= status < 500 else UpstreamError
