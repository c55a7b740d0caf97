"""Confirmation tokens: a preview's promise that the very order it showed may be placed, once, soon.

A token is ``<payload>.<signature>``, both base64url: the payload names what it confirms (``kind``),
the canonical hash of exactly the parameters the preview was asked with, what the preview resolved
(the order to place: sized quantity, levels), an expiry and a nonce; the signature is HMAC-SHA256 of
the payload under the server's secret. So a token cannot be forged, stretched, moved to other
parameters or made to carry another order: any change to the parameters or the token fails
``verify``. Single use is not decided here (that needs shared state: ``token_guard``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

TokenKind = Literal["trade", "risk_parameter", "close"]
Refusal = Literal["malformed", "bad_signature", "wrong_kind", "expired", "parameters_changed"]

REFUSALS: dict[Refusal, str] = {
    "malformed": "the confirmation token is not one this server issued",
    "bad_signature": "the confirmation token was altered",
    "wrong_kind": "the confirmation token confirms a different kind of action",
    "expired": "the confirmation token has expired; preview again",
    "parameters_changed": "the parameters differ from the preview the token was issued for; preview again",
}


def canonical_hash(parameters: Mapping[str, Any]) -> str:
    """SHA-256 of the parameters as sorted, compact JSON: the same parameters always hash alike."""
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def issue(secret: str, kind: TokenKind, parameters: Mapping[str, Any], resolved: Mapping[str, Any], *,
          now: float, ttl_s: float) -> str:
    """A token confirming ``parameters`` (as asked) for ``ttl_s`` seconds from ``now`` (Unix time),
    carrying ``resolved`` (what the preview settled on) signed alongside."""
    body = {"k": kind, "h": canonical_hash(parameters), "r": dict(resolved), "exp": now + ttl_s,
            "n": secrets.token_hex(8)}
    payload = _b64(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode())
    return f"{payload}.{_sign(secret, payload)}"


@dataclass(frozen=True)
class TokenCheck:
    """What ``verify`` found: the resolved action when valid, else why not."""

    refusal: Refusal | None
    resolved: dict[str, Any]
    expires_at: float = 0.0

    @property
    def valid(self) -> bool:
        return self.refusal is None

    @property
    def reason(self) -> str:
        return "" if self.refusal is None else REFUSALS[self.refusal]


def verify(secret: str, token: str, kind: TokenKind, parameters: Mapping[str, Any], *, now: float) -> TokenCheck:
    """Check ``token`` against ``parameters`` at ``now``: signature first, then kind, expiry, parameters."""
    payload, dot, signature = token.partition(".")
    if not dot or not payload or not signature:
        return TokenCheck("malformed", {})
    if not hmac.compare_digest(_sign(secret, payload).encode(), signature.encode()):
        return TokenCheck("bad_signature", {})
    try:
        body = json.loads(_unb64(payload))
        hashed, resolved, expires = str(body["h"]), dict(body["r"]), float(body["exp"])
        issued_kind = body["k"]
    except (ValueError, KeyError, TypeError):
        return TokenCheck("malformed", {})
    if issued_kind != kind:
        return TokenCheck("wrong_kind", {})
    if now >= expires:
        return TokenCheck("expired", {}, expires)
    if not hmac.compare_digest(hashed.encode(), canonical_hash(parameters).encode()):
        return TokenCheck("parameters_changed", {}, expires)
    return TokenCheck(None, resolved, expires)


def token_digest(token: str) -> str:
    """A short stable name of a token: its single-use key and the request id its action is sent with."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]
