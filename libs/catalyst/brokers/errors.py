"""Broker failures, split by what the OMS should do about them.

* ``BrokerRejected``: the broker refused the request (422, 403, bad order): never retried; the
  order is marked rejected with the broker's reason.
* ``BrokerTransientError`` (429, 5xx, connection): retried with backoff, counted by the breaker.
* ``BrokerOrderNotFound``: the broker has no such order (404).
"""

from __future__ import annotations

from typing import Any

from catalyst.errors import NotFound, ServiceUnavailable, Unprocessable, UpstreamError


class BrokerRejected(Unprocessable):
    default_code = "BROKER_REJECTED"

    def __init__(self, message: str, *, broker_code: str | int | None = None, status: int | None = None,
                 details: dict[str, Any] | None = None):
        super().__init__(message, details={"broker_code": broker_code, "status": status, **(details or {})})
        self.broker_code = broker_code
        self.status = status


class BrokerTransientError(UpstreamError):
    """A failure worth retrying: the same request may succeed later."""

    default_code = "BROKER_UNAVAILABLE"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message, code=code, details={"status": status})
        self.status = status


class BrokerRateLimited(BrokerTransientError):
    default_code = "BROKER_RATE_LIMITED"


class BrokerOrderNotFound(NotFound):
    default_code = "BROKER_ORDER_NOT_FOUND"


class BrokerCircuitOpen(ServiceUnavailable):
    default_code = "BROKER_CIRCUIT_OPEN"
