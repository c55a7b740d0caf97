"""What the Risk Manager asks of Trading in an emergency: cancel every open order, flatten every position.

``ServiceTradingGateway`` speaks Trading's routes through the generic ``ServiceClient``
(``POST /api/v1/orders/cancel-all`` and ``POST /api/v1/positions/flatten`` with
``{"reason": ...}``). Both are idempotent on Trading's side, so the client's retries (429, 5xx,
timeouts) apply, and the emergency stop itself can be repeated.
"""

from __future__ import annotations

from typing import Any, Protocol

from catalyst.http import ServiceClient


class TradingGateway(Protocol):
    async def cancel_all_orders(self, reason: str) -> Any: ...

    async def flatten_all(self, reason: str) -> Any: ...


class ServiceTradingGateway:
    def __init__(self, client: ServiceClient):
        self._client = client

    async def cancel_all_orders(self, reason: str) -> Any:
        return await self._client.post("/api/v1/orders/cancel-all", json={"reason": reason})

    async def flatten_all(self, reason: str) -> Any:
        return await self._client.post("/api/v1/positions/flatten", json={"reason": reason})
