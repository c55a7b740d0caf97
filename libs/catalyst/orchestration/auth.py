"""The MCP endpoint's own key check (the ingress checks too): ``X-API-Key`` or ``Authorization: Bearer``.

An ASGI middleware in front of the streamable HTTP app, so a missing or wrong key is a 401 in the
error envelope before any MCP message is read, let alone a tool run. Keys compare in constant time.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from catalyst.context import API_KEY_HEADER


def presented_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The key a request presents: ``X-API-Key``, else a bearer token."""
    found = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}
    key = found.get(API_KEY_HEADER.lower())
    if key:
        return key
    scheme, _, token = found.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def key_accepted(key: str | None, keys: frozenset[str]) -> bool:
    if not key:
        return False
    return any(hmac.compare_digest(key.encode(), k.encode()) for k in keys)


class ApiKeyGuard:
    def __init__(self, app: ASGIApp, keys: frozenset[str]):
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = presented_key(scope.get("headers", []))
        if key_accepted(key, self.keys):
            await self.app(scope, receive, send)
            return
        code, message = (("MISSING_API_KEY", "missing X-API-Key header or bearer token") if key is None
                         else ("INVALID_API_KEY", "invalid API key"))
        body = json.dumps({"error": {"code": code, "message": message, "details": {}}}).encode()
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
