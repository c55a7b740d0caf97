"""Typed client of the Trading service, over ``catalyst.http.ServiceClient`` with the service's models.

``submit_order`` fixes the ``client_order_id`` before the first try, so the client's retries
(429, 5xx, timeouts) can never create a second order: Trading answers a repeated id with the
order it already has. Cancel-all and flatten are idempotent and retried too, and they (with
``open_positions``, the emergency stop's check that it is flat) go around the circuit breaker:
an emergency stop is never refused because earlier calls to Trading failed.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from catalyst.contracts.trading import (
    ACCOUNT_PATH,
    ORDERS_PATH,
    POSITIONS_PATH,
    RECONCILE_PATH,
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
)
from catalyst.domain.order_request import new_client_order_id
from catalyst.domain.orders import OrderStatus
from catalyst.http import ServiceClient


class TradingClient:
    def __init__(self, client: ServiceClient):
        self._client = client

    async def submit_order(self, body: SubmitOrderBody) -> OrderOut:
        if body.client_order_id is None:
            body = body.model_copy(update={"client_order_id": new_client_order_id()})
        result: OrderOut = await self._client.post(ORDERS_PATH, json=body, model=OrderOut)
        return result

    async def get_order(self, order_id: UUID | str) -> OrderOut:
        result: OrderOut = await self._client.get(f"{ORDERS_PATH}/{order_id}", model=OrderOut)
        return result

    async def list_orders(self, status: OrderStatus | None = None, limit: int = 100) -> OrderList:
        params: dict[str, str | int] = {"limit": limit}
        if status is not None:
            params["status"] = status.value
        result: OrderList = await self._client.get(ORDERS_PATH, params=params, model=OrderList)
        return result

    async def cancel_order(self, order_id: UUID | str) -> OrderOut:
        result: OrderOut = await self._client.delete(f"{ORDERS_PATH}/{order_id}", model=OrderOut)
        return result

    async def list_positions(self, status: Literal["open", "closed", "all"] = "open") -> PositionList:
        result: PositionList = await self._client.get(POSITIONS_PATH, params={"status": status},
                                                      model=PositionList)
        return result

    async def close_position(self, position_id: UUID | str, quantity: int | None = None,
                             reason: str | None = None) -> OrderOut:
        body = ClosePositionBody(quantity=quantity, reason=reason)
        result: OrderOut = await self._client.post(f"{POSITIONS_PATH}/{position_id}/close", json=body,
                                                   model=OrderOut, retry=False)
        return result

    async def open_positions(self) -> PositionList:
        """The open positions, outside the circuit breaker (the emergency stop's "are we flat?")."""
        result: PositionList = await self._client.request("GET", POSITIONS_PATH, params={"status": "open"},
                                                          model=PositionList, breaker=False)
        return result

    async def cancel_all_orders(self, reason: str) -> CancelAllResult:
        result: CancelAllResult = await self._client.post(f"{ORDERS_PATH}/cancel-all", json=ReasonBody(reason=reason),
                                                          model=CancelAllResult, breaker=False)
        return result

    async def flatten_all(self, reason: str) -> FlattenResult:
        result: FlattenResult = await self._client.post(f"{POSITIONS_PATH}/flatten", json=ReasonBody(reason=reason),
                                                        model=FlattenResult, breaker=False)
        return result

    async def reconcile(self) -> ReconcileReport:
        result: ReconcileReport = await self._client.post(RECONCILE_PATH, model=ReconcileReport)
        return result

    async def account(self) -> AccountOut:
        result: AccountOut = await self._client.get(ACCOUNT_PATH, model=AccountOut)
        return result
