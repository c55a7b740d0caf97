"""The simulated venue's matching engine: pure, synchronous and deterministic.

Given the same orders and bars it produces the same fills. Rules (documented, tested):

* An order only meets bars that start at or after it became active (its submission time, or
  for a bracket leg, the bar after its parent filled): what happened inside an earlier bar is
  unknown, so it cannot have traded there.
* Market: the bar's open, plus slippage against the trader. Limit: triggers when the bar
  trades through the limit (low ≤ limit for a buy, high ≥ limit for a sell) and fills at the
  limit or at a better open, with no slippage. Stop: triggers when high ≥ stop (buy) or
  low ≤ stop (sell) and fills like a market order at the worse of open and stop, plus slippage.
  Stop-limit: after the trigger, fills at the stop-or-open price if that is within the limit,
  else works as a limit order from the next bar.
* Volume: one bar fills at most ``max_participation × volume`` shares of a symbol, shared by
  the orders in submission order; the rest stays open (partial fills).
* Brackets: the take-profit and stop-loss legs are held until the parent has filled (or is
  done with a partial fill) and then work for the filled quantity, one cancels the other; a
  partial fill of one leg shrinks the other. When one bar reaches both legs the stop-loss is
  taken first (the path inside the bar is unknown; assume the worse). Canceling the parent
  ends it like an expiry does: legs canceled if it filled nothing, else armed for exactly what
  it filled (the filled shares stay protected). Canceling a leg cancels the bracket's open legs;
  ``cancel_all`` cancels every open order, armed legs included.
* ``day`` orders expire when a bar of a later New York trading date arrives; ``ioc`` orders
  are canceled after their first bar.
* Buying power is equity minus gross exposure (1× leverage); an order that opens or grows a
  position beyond it is refused. Open orders do not reserve buying power.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from catalyst.accounting import apply_fill, commission
from catalyst.brokers.errors import BrokerOrderNotFound, BrokerRejected
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.fill import Fill
from catalyst.domain.market import Bar
from catalyst.domain.money import QUANTUM, ZERO, Quantity, to_decimal
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderClass, OrderStatus, OrderType, Side, TimeInForce
from catalyst.domain.position import Position
from catalyst.orders.state_machine import transition

_SIM_NAMESPACE = uuid.UUID("6f1c2d3e-5a4b-4c8d-9e0f-a1b2c3d4e5f6")
_ONE_US = timedelta(microseconds=1)
_PRICE_TICK = Decimal("0.0001")

LegRole = Literal["take_profit", "stop_loss"]


@dataclass(slots=True)
class SimOrder:
    """The venue's working state of one order (mutable: the engine moves it bar by bar). Beyond the
    domain ``Order`` it holds what matching needs (when it may first trade, its place in the queue,
    its bracket links, whether a stop has triggered); ``SimBroker`` reports it as an ``Order``."""

    id: str
    client_order_id: str
    symbol: str
    side: Side
    quantity: Quantity
    order_type: OrderType
    time_in_force: TimeInForce
    limit_price: Decimal | None
    stop_price: Decimal | None
    status: OrderStatus
    submitted_at: datetime
    updated_at: datetime
    active_from: datetime
    seq: int
    order_class: OrderClass = OrderClass.SIMPLE
    filled_quantity: Quantity = ZERO
    filled_notional: Decimal = ZERO
    commission: Decimal = ZERO
    parent_id: str | None = None
    leg_role: LegRole | None = None
    leg_ids: list[str] = field(default_factory=list)
    held: bool = False
    triggered: bool = False
    reject_reason: str | None = None

    @property
    def remaining(self) -> Quantity:
        return self.quantity - self.filled_quantity

    @property
    def filled_avg_price(self) -> Decimal | None:
        if self.filled_quantity == 0:
            return None
        return (self.filled_notional / self.filled_quantity).quantize(QUANTUM)

    @property
    def is_open(self) -> bool:
        return not self.status.is_terminal


@dataclass(frozen=True, slots=True)
class SimCosts:
    slippage_bps: float = 5.0
    commission_per_share: float = 0.005
    min_commission: float = 0.0
    max_participation: float = 1.0


class SimEngine:
    """One simulated account: orders, positions, cash, and the latest bar of each symbol."""

    def __init__(self, *, account: str = "sim", initial_cash: float = 100_000.0,
                 costs: SimCosts | None = None, market_fill: Literal["next_bar", "last_price"] = "next_bar"):
        self.account = account
        self.costs = costs or SimCosts()
        self.market_fill = market_fill
        self.cash = to_decimal(initial_cash)
        self.orders: dict[str, SimOrder] = {}
        self.working: dict[str, dict[str, SimOrder]] = {}  # symbol → open orders (held legs included)
        self.by_client: dict[str, str] = {}
        self.positions: dict[str, Position] = {}
        self.last_bar: dict[str, Bar] = {}
        self._last_bar_docs: dict[str, dict[str, Any]] = {}  # serialized once per bar, not per save
        self.seq = 0
        self._changed: dict[str, None] = {}
        self._fills: list[Fill] = []
        self._slip = to_decimal(self.costs.slippage_bps) / Decimal(10_000)

    # ---------------------------------------------------------------- orders in

    def submit(self, req: OrderRequest, now: datetime) -> SimOrder:
        """Accept ``req`` (or return the order already held under its client id)."""
        existing = self.by_client.get(req.client_order_id)
        if existing is not None:
            return self.orders[existing]
        self._check_buying_power(req)
        self.seq += 1
        parent = self._new_order(req, now, req.client_order_id, req.side, req.order_type,
                                 req.limit_price, req.stop_price)
        if req.take_profit is not None and req.stop_loss is not None:
            parent.order_class = OrderClass.BRACKET
            legs = [
                self._new_order(req, now, req.leg_client_order_id("sl"), req.exit_side, req.stop_loss_type,
                                req.stop_loss.limit_price, req.stop_loss.stop_price, parent, "stop_loss"),
                self._new_order(req, now, req.leg_client_order_id("tp"), req.exit_side, OrderType.LIMIT,
                                req.take_profit.limit_price, None, parent, "take_profit"),
            ]
            parent.leg_ids = [leg.id for leg in legs]
        if self.market_fill == "last_price" and req.symbol in self.last_bar:
            last = self.last_bar[req.symbol]
            self._match_bar(Bar(symbol=last.symbol, ts=now, open=last.close, high=last.close,
                                low=last.close, close=last.close, volume=last.volume))
        return parent

    def _new_order(self, req: OrderRequest, now: datetime, client_id: str, side: Side, otype: OrderType,
                   limit: Decimal | None, stop: Decimal | None, parent: SimOrder | None = None,
                   role: LegRole | None = None) -> SimOrder:
        order = SimOrder(
            id=str(uuid.uuid5(_SIM_NAMESPACE, f"{self.account}:{client_id}")),
            client_order_id=client_id, symbol=req.symbol, side=side, quantity=Decimal(req.quantity),
            order_type=otype, time_in_force=req.time_in_force,
            limit_price=limit, stop_price=stop,
            status=OrderStatus.ACCEPTED, submitted_at=now, updated_at=now, active_from=now, seq=self.seq,
            order_class=OrderClass.BRACKET if parent is not None else OrderClass.SIMPLE,
            parent_id=None if parent is None else parent.id, leg_role=role, held=parent is not None,
        )
        self.orders[order.id] = order
        self.by_client[client_id] = order.id
        self.working.setdefault(order.symbol, {})[order.id] = order
        self._touch(order)
        return order

    def cancel(self, order_id: str, now: datetime, *, with_legs: bool = False) -> SimOrder:
        """Cancel an open order. A bracket parent stops working and its legs are armed for what it
        filled (canceled if nothing filled), unless ``with_legs``; canceling a leg cancels the
        bracket's open legs (one cancels the other)."""
        order = self.get(order_id)
        if not order.is_open:
            raise BrokerRejected(f"order is already {order.status.value}", broker_code="ORDER_NOT_OPEN")
        if order.parent_id is None and not with_legs:
            self._set_status(order, OrderStatus.CANCELED, now)
            self._on_parent_done(order, now)  # the filled shares keep their stop and target
            return order
        root = self.orders[order.parent_id] if order.parent_id else order
        if root.is_open:
            self._set_status(root, OrderStatus.CANCELED, now)
        for leg_id in root.leg_ids:
            leg = self.orders[leg_id]
            if leg.is_open:
                self._set_status(leg, OrderStatus.CANCELED, now)
        return order

    def cancel_all(self, now: datetime) -> list[str]:
        """Cancel every open order, bracket legs included (armed or not): nothing is left working."""
        ids = []
        for order in self._working_roots():
            if order.is_open:  # canceling one leg already canceled its sibling
                self.cancel(order.id, now, with_legs=True)
                ids.append(order.id)
        return ids

    def get(self, order_id: str) -> SimOrder:
        try:
            return self.orders[order_id]
        except KeyError:
            raise BrokerOrderNotFound(f"order {order_id} not found") from None

    # ---------------------------------------------------------------- market data in

    def forget_bar_after(self, symbol: str, now: datetime) -> bool:
        """Drop ``symbol``'s last bar when it starts after ``now``: it comes from a later point of
        another run (a replay restarted at its morning, or an earlier run on the wall clock), and
        would hold the symbol's prices and fills in that future. The feed prices it again as of now."""
        bar = self.last_bar.get(symbol)
        if bar is None or bar.ts <= now:
            return False
        del self.last_bar[symbol]
        self._last_bar_docs.pop(symbol, None)
        return True

    def on_bar(self, bar: Bar) -> list[Fill]:
        """Match every working order of ``bar.symbol`` against ``bar``; returns the fills."""
        previous = self.last_bar.get(bar.symbol)
        if previous is None or bar.ts >= previous.ts:
            self.last_bar[bar.symbol] = bar
            self._last_bar_docs[bar.symbol] = bar.model_dump(mode="json")
        before = len(self._fills)
        self._match_bar(bar)
        return self._fills[before:]

    def _match_bar(self, bar: Bar) -> None:
        capacity = Decimal(math.floor(self.costs.max_participation * bar.volume))
        working = sorted(
            (o for o in self.working.get(bar.symbol, {}).values() if not o.held),
            key=lambda o: (o.seq, 0 if o.leg_role == "stop_loss" else 1),
        )
        for order in working:
            if not order.is_open or order.held or bar.ts < order.active_from:
                continue  # an earlier order in this bar may have closed or armed it
            if self._expire_day(order, bar.ts):
                continue
            capacity -= self._match_order(order, bar, capacity)
            if order.time_in_force is TimeInForce.IOC and order.is_open:
                self._set_status(order, OrderStatus.CANCELED, bar.ts)
                self._on_parent_done(order, bar.ts)

    def _expire_day(self, order: SimOrder, ts: datetime) -> bool:
        if order.time_in_force is not TimeInForce.DAY:
            return False
        if ts.astimezone(NEW_YORK).date() <= order.submitted_at.astimezone(NEW_YORK).date():
            return False
        self._set_status(order, OrderStatus.EXPIRED, ts)
        self._on_parent_done(order, ts)
        return True

    def _match_order(self, order: SimOrder, bar: Bar, capacity: Quantity) -> Quantity:
        price = self._fill_price(order, bar)
        if price is None or capacity <= 0:
            return ZERO
        qty = min(order.remaining, capacity)
        self._fill(order, qty, price, bar.ts)
        return qty

    def _fill_price(self, order: SimOrder, bar: Bar) -> Decimal | None:
        buy = order.side is Side.BUY
        o, h, lo = to_decimal(bar.open), to_decimal(bar.high), to_decimal(bar.low)
        kind = order.order_type
        if kind is OrderType.MARKET or (kind is OrderType.STOP and order.triggered):
            return self._slipped(o, buy)
        if kind is OrderType.LIMIT or (kind is OrderType.STOP_LIMIT and order.triggered):
            return _limit_price(order, o, h, lo)
        stop = order.stop_price
        assert stop is not None
        if not (h >= stop if buy else lo <= stop):
            return None
        order.triggered = True
        self._touch(order)
        base = max(o, stop) if buy else min(o, stop)
        if kind is OrderType.STOP:
            return self._slipped(base, buy)
        limit = order.limit_price
        assert limit is not None
        within = base <= limit if buy else base >= limit
        return base if within else None  # else: a limit order from the next bar on

    def _slipped(self, price: Decimal, buy: bool) -> Decimal:
        factor = 1 + self._slip if buy else 1 - self._slip
        return (price * factor).quantize(_PRICE_TICK)

    # ---------------------------------------------------------------- fills and brackets

    def _fill(self, order: SimOrder, qty: Quantity, price: Decimal, at: datetime) -> None:
        fee = commission(qty, to_decimal(self.costs.commission_per_share), to_decimal(self.costs.min_commission))
        order.filled_quantity += qty
        order.filled_notional += price * qty
        order.commission += fee
        self._set_status(order, OrderStatus.FILLED if order.remaining == 0 else OrderStatus.PARTIALLY_FILLED, at)
        pos = self.positions.get(order.symbol, Position(order.symbol))
        self.positions[order.symbol] = apply_fill(pos, order.side, qty, price)
        self.cash += (-price * qty if order.side is Side.BUY else price * qty) - fee
        self._fills.append(Fill(broker_order_id=order.id, client_order_id=order.client_order_id, symbol=order.symbol,
                                side=order.side, quantity=qty, price=price, commission=fee, at=at))
        if order.leg_role is not None:
            self._rebalance_legs(self.orders[order.parent_id or ""], at)
        elif not order.is_open:
            self._on_parent_done(order, at)

    def _on_parent_done(self, parent: SimOrder, at: datetime) -> None:
        """A bracket parent stopped working: arm its legs for what filled, or cancel them."""
        for leg_id in parent.leg_ids:
            leg = self.orders[leg_id]
            if not leg.is_open:
                continue
            if parent.filled_quantity == 0:
                self._set_status(leg, OrderStatus.CANCELED, at)
            else:
                leg.held = False
                leg.quantity = parent.filled_quantity
                leg.active_from = at + _ONE_US
                self._touch(leg)

    def _rebalance_legs(self, parent: SimOrder, at: datetime) -> None:
        """One cancels the other: the legs together never exit more than the parent filled."""
        legs = [self.orders[i] for i in parent.leg_ids]
        open_qty = parent.filled_quantity - sum((leg.filled_quantity for leg in legs), ZERO)
        for leg in legs:
            if not leg.is_open:
                continue
            if open_qty <= 0:
                self._set_status(leg, OrderStatus.CANCELED, at)
            else:
                leg.quantity = leg.filled_quantity + open_qty
                self._touch(leg)

    def _set_status(self, order: SimOrder, status: OrderStatus, at: datetime) -> None:
        if status is not order.status:
            order.status = transition(order.status, status)
            if status.is_terminal:
                self.working.get(order.symbol, {}).pop(order.id, None)
        order.updated_at = at
        self._touch(order)

    def _touch(self, order: SimOrder) -> None:
        self._changed[order.id] = None

    # ---------------------------------------------------------------- account

    def _check_buying_power(self, req: OrderRequest) -> None:
        pos = self.positions.get(req.symbol, Position(req.symbol))
        grows = pos.quantity == 0 or (pos.quantity > 0) == (req.side is Side.BUY)
        ref = req.worst_price or (to_decimal(self.last_bar[req.symbol].close) if req.symbol in self.last_bar else None)
        if not grows or ref is None:
            return
        needed = ref * req.quantity
        if needed > self.buying_power():
            raise BrokerRejected("insufficient buying power", broker_code="INSUFFICIENT_BUYING_POWER",
                                 details={"needed": float(needed), "buying_power": float(self.buying_power())})

    def mark(self, symbol: str, pos: Position) -> Decimal:
        bar = self.last_bar.get(symbol)
        return to_decimal(bar.close) if bar is not None else pos.avg_entry_price

    def equity(self) -> Decimal:
        return self.cash + sum((self.mark(s, p) * p.quantity for s, p in self.positions.items()), ZERO)

    def gross_exposure(self) -> Decimal:
        return sum((abs(self.mark(s, p) * p.quantity) for s, p in self.positions.items()), ZERO)

    def buying_power(self) -> Decimal:
        return max(self.equity() - self.gross_exposure(), ZERO)

    def open_positions(self) -> dict[str, Position]:
        return {s: p for s, p in self.positions.items() if not p.is_flat}

    # ---------------------------------------------------------------- change feed and state

    def _working_roots(self) -> list[SimOrder]:
        live = [o for book in self.working.values() for o in book.values()]
        return sorted((o for o in live if o.parent_id is None or not self.orders[o.parent_id].is_open),
                      key=lambda o: o.seq)

    def open_symbols(self) -> set[str]:
        return {symbol for symbol, book in self.working.items() if book}

    def earliest_active(self, symbol: str) -> datetime | None:
        times = [o.active_from for o in self.working.get(symbol, {}).values() if not o.held]
        return min(times) if times else None

    def drain(self) -> tuple[list[SimOrder], list[Fill]]:
        """Orders changed and fills made since the last drain (what a ledger must persist)."""
        changed = [self.orders[i] for i in self._changed]
        fills, self._fills = self._fills, []
        self._changed = {}
        return changed, fills

    def account_state(self) -> dict[str, Any]:
        return {
            "cash": str(self.cash),
            "seq": self.seq,
            "positions": {s: [str(p.quantity), str(p.avg_entry_price), str(p.realized_pnl)]
                          for s, p in self.positions.items()},
            "last_bar": dict(self._last_bar_docs),
        }

    def restore(self, account: dict[str, Any], orders: list[dict[str, Any]]) -> None:
        self.cash = Decimal(account["cash"])
        self.seq = int(account["seq"])
        self.positions = {s: Position(s, Decimal(q), Decimal(a), Decimal(r))
                          for s, (q, a, r) in account["positions"].items()}
        self.last_bar = {s: Bar.model_validate(b) for s, b in account["last_bar"].items()}
        self._last_bar_docs = dict(account["last_bar"])
        self.orders = {d["id"]: order_from_doc(d) for d in orders}
        self.by_client = {o.client_order_id: o.id for o in self.orders.values()}
        self.working = {}
        for order in self.orders.values():
            if order.is_open:
                self.working.setdefault(order.symbol, {})[order.id] = order
        self._changed, self._fills = {}, []


def _limit_price(order: SimOrder, o: Decimal, h: Decimal, lo: Decimal) -> Decimal | None:
    limit = order.limit_price
    assert limit is not None
    if order.side is Side.BUY:
        return min(o, limit) if lo <= limit else None
    return max(o, limit) if h >= limit else None


def order_to_doc(order: SimOrder) -> dict[str, Any]:
    """JSON-able document of an order (the Postgres ledger stores it as JSONB)."""
    doc: dict[str, Any] = {}
    for f in fields(order):
        value = getattr(order, f.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, list):
            value = list(value)
        doc[f.name] = value
    return doc


def order_from_doc(doc: dict[str, Any]) -> SimOrder:
    values = dict(doc)
    for name in ("quantity", "filled_quantity", "limit_price", "stop_price", "filled_notional", "commission"):
        values[name] = None if values[name] is None else Decimal(values[name])  # str, or an older doc's int
    for name in ("submitted_at", "updated_at", "active_from"):
        values[name] = datetime.fromisoformat(values[name])
    values["side"] = Side(values["side"])
    values["order_type"] = OrderType(values["order_type"])
    values["time_in_force"] = TimeInForce(values["time_in_force"])
    values["status"] = OrderStatus(values["status"])
    values["order_class"] = OrderClass(values["order_class"])
    return SimOrder(**values)
