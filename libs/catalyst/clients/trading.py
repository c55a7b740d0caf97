"""Typed client of the Trading service: calls through ``TradingRoutes`` (``catalyst.clients.base``).

``submit_order`` and ``close_position`` fix the ``client_order_id`` before the first try, so the
client's retries (429, 5xx, timeouts) can never create a second order: Trading answers a repeated
id with the order it already has. Cancel-all and flatten are idempotent and retried too, and they (with
``open_positions``, the emergency stop's check that it is flat) go around the circuit breaker:
an emergency stop is never refused because earlier calls to Trading failed.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from catalyst.clients.base import TypedClient
from catalyst.contracts import trading as api
from catalyst.domain.order_request import new_client_order_id
from catalyst.domain.orders import OrderStatus
from catalyst.errors import NotFound
from catalyst.services import ServiceName


class TradingClient(TypedClient):
    peer = ServiceName.TRADING

    async def submit_order(self, body: api.SubmitOrderBody) -> api.OrderOut:
        if body.client_order_id is None:
            body = body.model_copy(update={"client_order_id": new_client_order_id()})
        return await self.call(api.TradingRoutes.submit_order, body)

    async def get_order(self, order_id: UUID | str) -> api.OrderOut:
        return await self.call(api.TradingRoutes.get_order, order_id=order_id)

    async def find_order(self, client_order_id: str) -> api.OrderOut | None:
        """The order Trading recorded under ``client_order_id``; None when it has none."""
        try:
            return await self.call(api.TradingRoutes.find_order, client_order_id=client_order_id)
        except NotFound as exc:
            if exc.code == "ORDER_NOT_FOUND":
                return None
            raise

    async def list_orders(self, status: OrderStatus | None = None, limit: int = 100) -> api.OrderList:
        params: dict[str, str | int] = {"limit": limit}
        if status is not None:
            params["status"] = status.value
        return await self.call(api.TradingRoutes.list_orders, params=params)

    async def cancel_order(self, order_id: UUID | str) -> api.OrderOut:
        return await self.call(api.TradingRoutes.cancel_order, order_id=order_id)

    async def list_positions(self, status: Literal["open", "closed", "all"] = "open") -> api.PositionList:
        return await self.call(api.TradingRoutes.list_positions, params={"status": status})

    async def close_position(self, position_id: UUID | str, quantity: int | None = None,
                             reason: str | None = None, client_order_id: str | None = None) -> api.OrderOut:
        body = api.ClosePositionBody(quantity=quantity, reason=reason,
                                     client_order_id=client_order_id or new_client_order_id())
        return await self.call(api.TradingRoutes.close_position, body, position_id=position_id)

    async def open_positions(self) -> api.PositionList:
        """The open positions, outside the circuit breaker (the emergency stop's "are we flat?")."""
        return await self.call(api.TradingRoutes.list_positions, params={"status": "open"}, breaker=False)

    async def cancel_all_orders(self, reason: str) -> api.CancelAllResult:
        return await self.call(api.TradingRoutes.cancel_all_orders, api.ReasonBody(reason=reason), breaker=False)

    async def flatten_all(self, reason: str) -> api.FlattenResult:
        return await self.call(api.TradingRoutes.flatten_positions, api.ReasonBody(reason=reason), breaker=False)

    async def reconcile(self) -> api.ReconcileReport:
        return await self.call(api.TradingRoutes.reconcile)

    async def account(self) -> api.AccountOut:
        return await self.call(api.TradingRoutes.get_account)
