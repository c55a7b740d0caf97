"""The signed trade approval as it travels from Risk to Trading (signing and checking: ``catalyst.risk.approvals``).

A value model only, so that the Risk and Trading contracts carry it without importing the rules.
Its prices are the books' decimals (JSON numbers on the wire), so Trading compares an order's
decimal price with the bound exactly, never with a float's binary value.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from catalyst.domain.bounded import ApprovalPrice, OrderPrice, UtcConvertible
from catalyst.domain.market import SYMBOL_PATTERN
from catalyst.domain.orders import Intent, Side


class ApprovalFields(BaseModel):
    symbol: str = Field(pattern=SYMBOL_PATTERN)
    side: Side
    intent: Intent = Intent.ENTRY
    max_quantity: int = Field(gt=0, le=10_000_000)
    price_bound: ApprovalPrice = Field(description="Highest price for a buy, lowest for a sell (a market or stop "
                                                   "order's: the price plus the tolerance)")
    stop: OrderPrice | None = Field(None, description="The stop the entry was sized with")
    epoch: int = Field(0, ge=0, le=2**62, description="Risk state epoch the approval was signed in")
    expires_at: UtcConvertible
    nonce: str = Field(min_length=16, max_length=64, pattern=r"^[0-9a-f]+$")


class TradeApproval(ApprovalFields):
    signature: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")
