"""Trading routes (contracts in ``catalyst.contracts.trading``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from catalyst.app import app_state
from catalyst.brokers.guard import GuardedBroker
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
from catalyst.domain.orders import OrderStatus
from catalyst.tasks import BackgroundTasks
from catalyst.trading import repository as repo
from catalyst.trading.oms import OrderManager
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


def get_oms(state: State) -> OrderManager:
    return state.oms


def get_reconciler(state: State) -> Reconciler:
    return state.reconciler


OMS = Annotated[OrderManager, Depends(get_oms)]

orders_router = APIRouter(prefix=ORDERS_PATH, tags=["orders"])
positions_router = APIRouter(prefix=POSITIONS_PATH, tags=["positions"])
reconcile_router = APIRouter(prefix=RECONCILE_PATH, tags=["reconciliation"])
account_router = APIRouter(prefix=ACCOUNT_PATH, tags=["account"])

ORDER_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Entry without a valid approval"}, 409: {"description": "client_order_id conflict"},
    422: {"description": "Broker refused the order (recorded as rejected)"},
    502: {"description": "Broker unavailable after retries (recorded as rejected)"},
}


async def _with_legs(oms: OrderManager, order_id: UUID) -> OrderOut:
    async with oms.db.acquire() as conn:
        row = await repo.get_order(conn, order_id)
        legs = await repo.list_orders(conn, parent_order_id=order_id) if row else []
    if row is None:
        await oms.get(order_id)  # raises NotFound
        raise AssertionError("unreachable")
    return order_out(row, sorted(legs, key=lambda r: r.order_type.value))


@orders_router.post("", response_model=OrderOut, status_code=201, responses=ORDER_ERRORS)
async def submit_order(body: SubmitOrderBody, oms: OMS, response: Response) -> OrderOut:
    """Record, then send. 201 for a new order; 200 and the existing order for a known client_order_id."""
    row, created = await oms.submit(body.to_request(), body.approval)
    response.status_code = 201 if created else 200
    return await _with_legs(oms, row.order_id)


@orders_router.post("/cancel-all", response_model=CancelAllResult)
async def cancel_all_orders(body: ReasonBody, oms: OMS) -> CancelAllResult:
    asked, rows = await oms.cancel_all(body.reason)
    return CancelAllResult(reason=body.reason, broker_canceled=asked, orders=[order_out(r) for r in rows])


@orders_router.get("", response_model=OrderList)
async def list_orders(oms: OMS, status: OrderStatus | None = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> OrderList:
    async with oms.db.acquire() as conn:
        rows = await repo.list_orders(conn, statuses=(status.value,) if status else None, limit=limit)
    return OrderList(orders=[order_out(r) for r in rows], count=len(rows))


@orders_router.get("/{order_id}", response_model=OrderOut)
async def get_order(order_id: UUID, oms: OMS) -> OrderOut:
    return await _with_legs(oms, order_id)


@orders_router.delete("/{order_id}", response_model=OrderOut)
async def cancel_order(order_id: UUID, oms: OMS) -> OrderOut:
    await oms.cancel(order_id)
    return await _with_legs(oms, order_id)


@positions_router.get("", response_model=PositionList)
async def list_positions(oms: OMS, status: Literal["open", "closed", "all"] = "open",
                         limit: Annotated[int, Query(ge=1, le=1000)] = 500) -> PositionList:
    async with oms.db.acquire() as conn:
        rows = await repo.list_positions(conn, None if status == "all" else status, limit)
    return PositionList(positions=[position_out(r) for r in rows], count=len(rows))


@positions_router.post("/flatten", response_model=FlattenResult)
async def flatten_positions(body: ReasonBody, oms: OMS) -> FlattenResult:
    asked, canceled, exits = await oms.flatten(body.reason)
    return FlattenResult(
        reason=body.reason,
        canceled=CancelAllResult(reason=body.reason, broker_canceled=asked, orders=[order_out(r) for r in canceled]),
        orders=[order_out(r) for r in exits],
    )


@positions_router.post("/{position_id}/close", response_model=OrderOut, status_code=201)
async def close_position(position_id: UUID, body: ClosePositionBody, oms: OMS) -> OrderOut:
    row = await oms.close_position(position_id, body.quantity)
    return await _with_legs(oms, row.order_id)


@reconcile_router.post("", response_model=ReconcileReport)
async def reconcile(reconciler: Annotated[Reconciler, Depends(get_reconciler)]) -> ReconcileReport:
    return await reconciler.run()


@account_router.get("", response_model=AccountOut)
async def get_account(oms: OMS) -> AccountOut:
    """The broker's cash and equity now (the Risk Manager sizes its position cap from it)."""
    a = await oms.broker.get_account()
    return AccountOut(broker=oms.broker_name, account_id=a.account_id, status=a.status, currency=a.currency,
                      cash=a.cash, equity=a.equity, buying_power=a.buying_power, trading_blocked=a.trading_blocked)
