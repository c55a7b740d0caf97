"""Signed trade approvals: the Risk Manager signs, Trading verifies (risk enforced twice).

An approval is an HMAC-SHA256 over its canonical fields (symbol, side, max quantity, price
bound, expiry, nonce) with the shared ``RISK_APPROVAL_SECRET``. It covers an order when the
symbol and side match, the quantity is at most ``max_quantity`` and the price is within the
bound (at most the bound for a buy, at least for a sell). Single use is enforced by Trading,
which records each nonce it has consumed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field

from catalyst.domain.orders import Side

APPROVAL_TTL = timedelta(seconds=60)


class ApprovalFields(BaseModel):
    symbol: str
    side: Side
    max_quantity: int = Field(gt=0)
    price_bound: float = Field(gt=0, description="Highest price for a buy, lowest for a sell")
    expires_at: AwareDatetime
    nonce: str = Field(min_length=16)


class TradeApproval(ApprovalFields):
    signature: str = Field(min_length=64, max_length=64)


class ApprovalProblem(StrEnum):
    FORGED = "APPROVAL_FORGED"
    EXPIRED = "APPROVAL_EXPIRED"
    SYMBOL_MISMATCH = "APPROVAL_SYMBOL_MISMATCH"
    SIDE_MISMATCH = "APPROVAL_SIDE_MISMATCH"
    QUANTITY_EXCEEDED = "APPROVAL_QUANTITY_EXCEEDED"
    PRICE_OUT_OF_BOUND = "APPROVAL_PRICE_OUT_OF_BOUND"


def _message(f: ApprovalFields) -> bytes:
    expires = f.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return "|".join(
        [f.symbol, f.side.value, str(f.max_quantity), f"{f.price_bound:.6f}", expires, f.nonce]
    ).encode()


def _sign(fields: ApprovalFields, secret: str) -> str:
    return hmac.new(secret.encode(), _message(fields), hashlib.sha256).hexdigest()


def sign_approval(
    *, symbol: str, side: Side, max_quantity: int, price_bound: float, secret: str,
    now: datetime | None = None, ttl: timedelta = APPROVAL_TTL,
) -> TradeApproval:
    fields = ApprovalFields(
        symbol=symbol,
        side=side,
        max_quantity=max_quantity,
        price_bound=round(price_bound, 6),
        expires_at=(now or datetime.now(UTC)) + ttl,
        nonce=secrets.token_hex(16),
    )
    return TradeApproval(**fields.model_dump(), signature=_sign(fields, secret))


def check_approval(
    approval: TradeApproval, *, symbol: str, side: Side, quantity: float, price: float, secret: str,
    now: datetime | None = None,
) -> list[ApprovalProblem]:
    """Every reason the approval does not cover this order (empty list: it does).

    Nonce reuse is not checked here: that needs the record of consumed nonces (Trading's DB).
    """
    expected = _sign(ApprovalFields(**approval.model_dump(exclude={"signature"})), secret)
    if not hmac.compare_digest(expected, approval.signature):
        return [ApprovalProblem.FORGED]
    problems: list[ApprovalProblem] = []
    if (now or datetime.now(UTC)) >= approval.expires_at:
        problems.append(ApprovalProblem.EXPIRED)
    if symbol != approval.symbol:
        problems.append(ApprovalProblem.SYMBOL_MISMATCH)
    if side is not approval.side:
        problems.append(ApprovalProblem.SIDE_MISMATCH)
    if quantity > approval.max_quantity:
        problems.append(ApprovalProblem.QUANTITY_EXCEEDED)
    out_of_bound = price > approval.price_bound if side is Side.BUY else price < approval.price_bound
    if out_of_bound:
        problems.append(ApprovalProblem.PRICE_OUT_OF_BOUND)
    return problems
