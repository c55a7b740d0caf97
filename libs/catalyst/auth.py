"""``X-API-Key`` on every service route: the key names the caller (401 otherwise), and the route's
group in ``catalyst.access`` decides whether that caller may call it (403 ``FORBIDDEN_CALLER``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import Depends, Request

from catalyst.access import RouteGroup
from catalyst.config import Settings
from catalyst.context import API_KEY_HEADER
from catalyst.errors import Forbidden, Unauthorized
from catalyst.services import Identity


async def require_api_key(request: Request) -> Identity:
    """The caller the key names (kept for audit); 401 when the key is missing or no one's."""
    key = request.headers.get(API_KEY_HEADER)
    if not key:
        raise Unauthorized("missing X-API-Key header", code="MISSING_API_KEY")
    settings: Settings = request.app.state.runtime.settings
    caller = settings.key_owners().get(key)
    if caller is None:
        raise Unauthorized("invalid API key", code="INVALID_API_KEY")
    request.state.caller = caller
    structlog.contextvars.bind_contextvars(caller=caller.value)
    return caller


Caller = Annotated[Identity, Depends(require_api_key)]


def allow(group: RouteGroup) -> Callable[[Request, Identity], Awaitable[Identity]]:
    """The dependency that admits only ``group``'s callers for the request's method."""

    async def authorize(request: Request, caller: Caller) -> Identity:
        allowed = group.allowed(request.method)
        if caller not in allowed:
            raise Forbidden(
                f"{caller.value} may not call {request.method} {request.url.path}", code="FORBIDDEN_CALLER",
                details={"caller": caller.value, "allowed": sorted(a.value for a in allowed)},
            )
        return caller

    return authorize
