"""Per-request context that travels across service calls (request id, calling principal)."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
API_KEY_HEADER = "X-API-Key"

request_id_var: ContextVar[str | None] = ContextVar("catalyst_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()
