"""Signed trade approvals: the Risk Manager signs, Trading verifies (risk enforced twice).

An approval is an HMAC-SHA256 over its canonical fields (symbol, side, intent, max quantity,
price bound, stop, Risk epoch, expiry, nonce) with the shared ``RISK_APPROVAL_SECRET``. It covers
an order when the symbol and side match, the quantity is at most ``max_quantity`` and the price
the order can fill at is within the bound (at most the bound for a buy, at least for a sell).

Its *intent* says what Risk approved: an ``entry`` approval covers only an order that opens or
grows a position; an ``exit`` approval never covers an entry (the position it was signed against
may be gone by the time the order arrives). Its *epoch* is the Risk state epoch it was signed in:
every halt or critical breach moves the epoch on, so all outstanding approvals die at once.
Single use and the hand-over of the exposure it reserves go through ``risk_reservations``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from catalyst.domain.approvals import ApprovalFields, TradeApproval
from catalyst.domain.money import money, optional_money, to_decimal
from catalyst.domain.orders import Intent, Side

APPROVAL_TTL = timedelta(seconds=60)


class ApprovalProblem(StrEnum):
    FORGED = "APPROVAL_FORGED"
    EXPIRED = "APPROVAL_EXPIRED"
    SYMBOL_MISMATCH = "APPROVAL_SYMBOL_MISMATCH"
    SIDE_MISMATCH = "APPROVAL_SIDE_MISMATCH"
    QUANTITY_EXCEEDED = "APPROVAL_QUANTITY_EXCEEDED"
    PRICE_OUT_OF_BOUND = "APPROVAL_PRICE_OUT_OF_BOUND"
    INTENT_MISMATCH = "APPROVAL_INTENT_MISMATCH"
    STOP_WIDER = "APPROVAL_STOP_WIDER"


def _message(f: ApprovalFields) -> bytes:
    expires = f.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    stop = "" if f.stop is None else f"{f.stop:.6f}"
    return "|".join(
        [f.symbol, f.side.value, f.intent.value, str(f.max_quantity), f"{f.price_bound:.6f}", stop,
         str(f.epoch), expires, f.nonce]
    ).encode()


def _sign(fields: ApprovalFields, secret: str) -> str:
    return hmac.new(secret.encode(), _message(fields), hashlib.sha256).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(16)


def sign_approval(
    *, symbol: str, side: Side, max_quantity: int, price_bound: Decimal | float, secret: str,
    now: datetime | None = None, ttl: timedelta = APPROVAL_TTL, intent: Intent = Intent.ENTRY,
    stop: Decimal | float | None = None, epoch: int = 0, nonce: str | None = None,
) -> TradeApproval:
    """A signed approval; its prices are the books' six-decimal decimals (what the signature covers)."""
    fields = ApprovalFields(
        symbol=symbol,
        side=side,
        intent=intent,
        max_quantity=max_quantity,
        price_bound=money(price_bound),
        stop=optional_money(stop),
        epoch=epoch,
        expires_at=(now or datetime.now(UTC)) + ttl,
        nonce=nonce or new_nonce(),
    )
    return TradeApproval(**fields.model_dump(), signature=_sign(fields, secret))


def check_approval(
    approval: TradeApproval, *, symbol: str, side: Side, quantity: Decimal | float, price: Decimal | float,
    secret: str,
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
    price = to_decimal(price)  # a float exactly as written: compared with the bound's decimal, not its binary value
    out_of_bound = price > approval.price_bound if side is Side.BUY else price < approval.price_bound
    if out_of_bound:
        problems.append(ApprovalProblem.PRICE_OUT_OF_BOUND)
    return problems
