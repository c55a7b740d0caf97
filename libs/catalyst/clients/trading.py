"""Typed client of the Trading service: calls through ``TradingRoutes`` (``catalyst.clients.base``).

``submit_order`` fixes the ``client_order_id`` before the first try, so the client's retries
(429, 5xx, timeouts) can never create a second order: Trading answers a repeated id with the
order it already has. Cancel-all and flatten are idempotent and retried too, and they (with
``open_positions``, the emergency stop's check that it is flat) go around the circuit breaker:
an emergency stop is never refused because earlier calls to Trading failed.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from catalyst.clients.base import TypedClient
from catalyst.contracts.trading import (
    AccountOut,
    CancelAllResult,
    ClosePositionBody,
    FlattenResult,
    OrderList,
    OrderOut,
    PositionList,
    ReasonBody,
    ReconcileReport,
    SubmitOrderBody,
    TradingRoutes,
)
from catalyst.domain.order_request import new_client_order_id
from catalyst.domain.orders import OrderStatus


class TradingClient(TypedClient):
    async def submit_order(self, body: SubmitOrderBody) -> OrderOut:
        if body.client_order_id is None:
            body = body.model_copy(update={"client_order_id": new_client_order_id()})
        return await self.call(TradingRoutes.submit_order, body)

    async def get_order(self, order_id: UUID | str) -> OrderOut:
        return await self.call(TradingRoutes.get_order, order_id=order_id)

    async def list_orders(self, status: OrderStatus | None = None, limit: int = 100) -> OrderList:
        params: dict[str, str | int] = {"limit": limit}
        if status is not None:
            params["status"] = status.value
        return await self.call(TradingRoutes.list_orders, params=params)

    async def cancel_order(self, order_id: UUID | str) -> OrderOut:
        return await self.call(TradingRoutes.cancel_order, order_id=order_id)

    async def list_positions(self, status: Literal["open", "closed", "all"] = "open") -> PositionList:
        return await self.call(TradingRoutes.list_positions, params={"status": status})

    async def close_position(self, position_id: UUID | str, quantity: int | None = None,
                             reason: str | None = None) -> OrderOut:
        body = ClosePositionBody(quantity=quantity, reason=reason)
        return await self.call(TradingRoutes.close_position, body, position_id=position_id)

    async def open_positions(self) -> PositionList:
        """The open positions, outside the circuit breaker (the emergency stop's "are we flat?")."""
        return await self.call(TradingRoutes.list_positions, params={"status": "open"}, breaker=False)

    async def cancel_all_orders(self, reason: str) -> CancelAllResult:
        return await self.call(TradingRoutes.cancel_all_orders, ReasonBody(reason=reason), breaker=False)

    async def flatten_all(self, reason: str) -> FlattenResult:
        return await self.call(TradingRoutes.flatten_positions, ReasonBody(reason=reason), breaker=False)

    async def reconcile(self) -> ReconcileReport:
        return await self.call(TradingRoutes.reconcile)

    async def account(self) -> AccountOut:
        return await self.call(TradingRoutes.get_account)
