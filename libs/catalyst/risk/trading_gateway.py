"""What the Risk Manager asks of Trading in an emergency: cancel every open order, flatten every position.

``catalyst.clients.trading.TradingClient`` fits this protocol (``POST /api/v1/orders/cancel-all``
and ``POST /api/v1/positions/flatten`` with ``{"reason": ...}``; both idempotent, so its retries
apply); tests may pass any other implementation.
"""

from __future__ import annotations

from typing import Any, Protocol


class TradingGateway(Protocol):
    async def cancel_all_orders(self, reason: str) -> Any: ...

    async def flatten_all(self, reason: str) -> Any: ...
