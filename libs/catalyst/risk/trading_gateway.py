"""What the Risk Manager asks of Trading in an emergency: cancel every open order, flatten every position.

``catalyst.clients.trading.TradingClient`` fits both protocols (``POST /api/v1/orders/cancel-all``
and ``POST /api/v1/positions/flatten`` with ``{"reason": ...}``, ``GET /api/v1/positions?status=open``;
idempotent, so retried, and outside its circuit breaker); tests may pass any other implementation.
A gateway that also has ``open_positions`` (``PositionReader``) lets the emergency stop confirm that
Trading is flat; one without it is taken at its word once both calls succeed.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


class TradingGateway(Protocol):
    async def cancel_all_orders(self, reason: str) -> Any: ...

    async def flatten_all(self, reason: str) -> Any: ...


@runtime_checkable
class PositionReader(Protocol):
    async def open_positions(self) -> Any:
        """Trading's open positions: a ``PositionList``, or a list of positions (models or mappings
        with ``symbol``, ``side`` and ``quantity``)."""
        ...
