"""Trading routes (contracts in ``catalyst.contracts.trading``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from catalyst.app import app_state
from catalyst.brokers.guard import GuardedBroker
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
from catalyst.domain.order_request import CLIENT_ORDER_ID_PATTERN
from catalyst.domain.orders import OrderStatus
from catalyst.errors import NotFound
from catalyst.routing import serve
from catalyst.tasks import BackgroundTasks
from catalyst.trading.oms import OrderManager
from catalyst.trading.order_commands import OrderCommands
from catalyst.trading.order_queries import OrderQueries
from catalyst.trading.reconcile import Reconciler
from catalyst.trading.views import order_out, position_out


@dataclass
class TradingState:
    """What start-up leaves on ``app.state.trading`` for the routes (503 TRADING_NOT_READY until then)."""

    oms: OrderManager
    reconciler: Reconciler
    broker: GuardedBroker
    tasks: BackgroundTasks


State = Annotated[TradingState, Depends(app_state("trading", TradingState))]


def get_commands(state: State) -> OrderCommands:
    return state.oms.commands


def get_queries(state: State) -> OrderQueries:
    return state.oms.queries


def get_reconciler(state: State) -> Reconciler:
    return state.reconciler


Commands = Annotated[OrderCommands, Depends(get_commands)]
Queries = Annotated[OrderQueries, Depends(get_queries)]

orders_router = APIRouter(tags=["orders"])
positions_router = APIRouter(tags=["positions"])
reconcile_router = APIRouter(tags=["reconciliation"])
account_router = APIRouter(tags=["account"])

ORDER_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Entry without a valid approval"}, 409: {"description": "client_order_id conflict"},
    422: {"description": "Broker refused the order (recorded as rejected)"},
    502: {"description": "Broker unavailable after retries (recorded as rejected)"},
}


async def _with_legs(queries: OrderQueries, order_id: UUID) -> OrderOut:
    row, legs = await queries.with_legs(order_id)
    return order_out(row, legs)


@serve(orders_router, TradingRoutes.submit_order, responses=ORDER_ERRORS)
async def submit_order(body: SubmitOrderBody, commands: Commands, response: Response) -> OrderOut:
    """Record, then send. 201 for a new order; 200 and the existing order for a known client_order_id."""
    row, legs, created = await commands.place(body.to_request(), body.approval)
    response.status_code = 201 if created else 200
    return order_out(row, legs)


@serve(orders_router, TradingRoutes.cancel_all_orders)
async def cancel_all_orders(body: ReasonBody, commands: Commands) -> CancelAllResult:
    asked, rows = await commands.cancel_all(body.reason)
    return CancelAllResult(reason=body.reason, broker_canceled=asked, orders=[order_out(r) for r in rows])


@serve(orders_router, TradingRoutes.list_orders)
async def list_orders(queries: Queries, status: OrderStatus | None = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> OrderList:
    rows = await queries.list_orders(status, limit)
    return OrderList(orders=[order_out(r) for r in rows], count=len(rows))


@serve(orders_router, TradingRoutes.get_order)
async def get_order(order_id: UUID, queries: Queries) -> OrderOut:
    return await _with_legs(queries, order_id)


@serve(orders_router, TradingRoutes.find_order)
async def find_order(client_order_id: Annotated[str, Path(pattern=CLIENT_ORDER_ID_PATTERN)],
                     queries: Queries) -> OrderOut:
    """The order recorded under a caller's idempotency key; 404 ``ORDER_NOT_FOUND`` when none is."""
    row = await queries.by_client_id(client_order_id)
    if row is None:
        raise NotFound(f"no order with client_order_id {client_order_id}", code="ORDER_NOT_FOUND",
                       details={"client_order_id": client_order_id})
    return await _with_legs(queries, row.order_id)


@serve(orders_router, TradingRoutes.cancel_order)
async def cancel_order(order_id: UUID, commands: Commands, queries: Queries) -> OrderOut:
    await commands.cancel(order_id)
    return await _with_legs(queries, order_id)


@serve(positions_router, TradingRoutes.list_positions)
async def list_positions(queries: Queries, status: Literal["open", "closed", "all"] = "open",
                         limit: Annotated[int, Query(ge=1, le=1000)] = 500) -> PositionList:
    rows = await queries.list_positions(None if status == "all" else status, limit)
    return PositionList(positions=[position_out(r) for r in rows], count=len(rows))


@serve(positions_router, TradingRoutes.flatten_positions)
async def flatten_positions(body: ReasonBody, commands: Commands) -> FlattenResult:
    asked, canceled, exits = await commands.flatten(body.reason)
    return FlattenResult(
        reason=body.reason,
        canceled=CancelAllResult(reason=body.reason, broker_canceled=asked, orders=[order_out(r) for r in canceled]),
        orders=[order_out(r) for r in exits],
    )


@serve(positions_router, TradingRoutes.close_position)
async def close_position(position_id: UUID, body: ClosePositionBody, commands: Commands,
                         queries: Queries, response: Response) -> OrderOut:
    """A market exit, no approval. 201 for a new exit; 200 and the exit already sent for a known client_order_id."""
    row, created = await commands.close_position(position_id, body.quantity, body.client_order_id)
    response.status_code = 201 if created else 200
    return await _with_legs(queries, row.order_id)


@serve(reconcile_router, TradingRoutes.reconcile)
async def reconcile(reconciler: Annotated[Reconciler, Depends(get_reconciler)]) -> ReconcileReport:
    return await reconciler.run()


@serve(account_router, TradingRoutes.get_account)
async def get_account(queries: Queries) -> AccountOut:
    """The broker's cash and equity now (the Risk Manager sizes its position cap from it)."""
    a = await queries.account()
    return AccountOut(broker=queries.broker_name, account_id=a.account_id, status=a.status, currency=a.currency,
                      cash=a.cash, equity=a.equity, buying_power=a.buying_power, trading_blocked=a.trading_blocked)
