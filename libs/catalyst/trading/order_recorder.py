"""Recording an order: the one transaction that commits its row before any broker call.

Under the security's lock the order is classified (entry, or exit against the recorded position
less the exits already working); an entry needs the Risk state to allow entries and an approval
of the current epoch that covers it at the price it can fill at, and claims the approval's
reservation in the same transaction (a lapsed or revoked approval cannot be claimed). A bracket's
legs are recorded in it too, so the whole order is in the database before the broker sees any of
it. An exit the OMS decides on itself (a flatten) is cut to what no working exit already covers.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from catalyst.brokers.feeds import PriceFeed
from catalyst.clock import Clock
from catalyst.db import Database
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.money import to_decimal
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import Intent, OrderClass, OrderType, Side, TimeInForce, classify_intent
from catalyst.errors import CatalystError, Forbidden
from catalyst.logging import get_logger
from catalyst.trading import repository as repo
from catalyst.trading.approvals import verify_entry_approval
from catalyst.trading.config import TradingSettings
from catalyst.trading.metrics import ORDERS_SUBMITTED
from catalyst.trading.repository import OrderRow

log = get_logger(__name__)


class OrderRecorder:
    def __init__(self, db: Database, *, broker_name: str, feed: PriceFeed, approval_secret: str,
                 settings: TradingSettings, clock: Clock):
        self._db = db
        self._broker_name = broker_name
        self._feed = feed
        self._secret = approval_secret
        self._settings = settings
        self._clock = clock

    async def reference_price(self, symbol: str) -> Decimal | None:
        """Last bar close, if recent enough (the price a market order's approval is checked at)."""
        bar = await self._feed.latest_bar(symbol)
        if bar is None or (self._clock.now() - bar.ts).total_seconds() > self._settings.max_price_age_s:
            return None
        return to_decimal(bar.close)

    async def record(self, request: OrderRequest, approval: TradeApproval | None,
                     price: Decimal | None) -> tuple[OrderRow, bool]:
        """Returns (row, created); ``price``: what the order as asked can fill at (its approval is
        checked there). A known ``client_order_id`` returns the order recorded under it, unchecked
        and not created: it is looked up under the security's lock, so a submit racing another of
        the same id waits for it and finds its row."""
        async with self._db.transaction() as conn:
            sid = await repo.lock_security(conn, request.symbol)
            context = await repo.recording_context(conn, sid, request.side, request.client_order_id)
            if context.known_order_id is not None:
                known = await repo.get_order(conn, context.known_order_id)
                assert known is not None
                return known, False
            position, reserved = context.position, context.reserved
            held = position.signed_quantity if position else Decimal(0)
            intent = classify_intent(held, reserved, request.side, Decimal(request.quantity))
            if intent is Intent.ENTRY:
                try:
                    _refuse_oversized_exit(held, reserved, request, approval)
                    await self._check_entry(conn, approval, request, price)
                except CatalystError:
                    ORDERS_SUBMITTED.labels("entry", "refused").inc()
                    raise
            row = await repo.insert_order(conn, request, sid=sid, intent=intent, broker=self._broker_name,
                                          reference_price=price,
                                          approval=approval if intent is Intent.ENTRY else None,
                                          created_at=self._clock.now())
            for leg in bracket_legs(request):
                await repo.insert_order(conn, leg, sid=sid, intent=Intent.EXIT, broker=self._broker_name,
                                        parent_order_id=row.order_id, order_class=OrderClass.BRACKET,
                                        created_at=self._clock.now())
            if intent is Intent.ENTRY and approval is not None:
                status = await repo.claim_reservation(conn, approval, order_id=row.order_id, sid=sid)
                if status is not None:
                    ORDERS_SUBMITTED.labels("entry", "refused").inc()
                    raise _unclaimable(approval, status)
        log.info("order_recorded", client_order_id=request.client_order_id, symbol=request.symbol,
                 side=request.side.value, quantity=request.quantity, intent=intent.value)
        return row, True

    async def _check_entry(self, conn: Any, approval: TradeApproval | None, request: OrderRequest,
                           price: Decimal | None) -> None:
        """The Risk state allows entries, and the approval (of the current epoch) covers this one."""
        control = await repo.risk_control(conn)
        if control is None or not control.entries_allowed:
            raise Forbidden("the Risk Manager blocks new entries (emergency stop or daily loss limit)",
                            code="RISK_ENTRIES_BLOCKED",
                            details={"state": None if control is None else control.state})
        checked = verify_entry_approval(approval, request, price, secret=self._secret, now=self._clock.now())
        if checked.epoch != control.epoch:
            raise Forbidden("approval was signed before the Risk state last blocked entries",
                            code="APPROVAL_REVOKED", details={"epoch": checked.epoch, "current": control.epoch})

    async def record_exit(self, symbol: str, side: Side, held: Decimal) -> OrderRow | None:
        """Record a market exit the OMS itself decided on (a flatten) of a position of ``held``
        shares (the broker's count), under the security's lock: it is cut to what no working exit
        already covers, and None when nothing is left (two flattens at once never sell twice)."""
        async with self._db.transaction() as conn:
            sid = await repo.lock_security(conn, symbol)
            reserved = await repo.reserved_exit_quantity(conn, sid, side)
            size = int(abs(held) - reserved)
            if size <= 0:
                return None
            request = OrderRequest(client_order_id=f"flat-{uuid.uuid4().hex}", symbol=symbol, side=side,
                                   quantity=size, order_type=OrderType.MARKET, time_in_force=TimeInForce.DAY)
            return await repo.insert_order(conn, request, sid=sid, intent=Intent.EXIT, broker=self._broker_name,
                                           created_at=self._clock.now())


def bracket_legs(request: OrderRequest) -> list[OrderRequest]:
    """The stop-loss and take-profit legs of a bracket ``request``, recorded with it before the broker
    hears of it, as ``<client id>:sl`` and ``<client id>:tp`` (the sim names its legs so; a broker
    that names them itself has them matched by role when it answers, ``catalyst.trading.order_sync``)."""
    tp, sl = request.take_profit, request.stop_loss
    if tp is None or sl is None:
        return []
    # Built as recorded, not validated: an exit-side stop leg is no valid entry request on its own.
    return [
        OrderRequest.model_construct(
            client_order_id=request.leg_client_order_id("sl"), symbol=request.symbol, side=request.exit_side,
            quantity=request.quantity, order_type=request.stop_loss_type,
            time_in_force=request.time_in_force, limit_price=sl.limit_price, stop_price=sl.stop_price,
            take_profit=None, stop_loss=None),
        OrderRequest.model_construct(
            client_order_id=request.leg_client_order_id("tp"), symbol=request.symbol, side=request.exit_side,
            quantity=request.quantity, order_type=OrderType.LIMIT, time_in_force=request.time_in_force,
            limit_price=tp.limit_price, stop_price=None, take_profit=None, stop_loss=None),
    ]


def _refuse_oversized_exit(held: Decimal, reserved: Decimal, request: OrderRequest,
                           approval: TradeApproval | None) -> None:
    """An unapproved order against the position that is larger than what is free to exit: it would
    flip the position, so it is an entry and needs an approval (403, saying why)."""
    opposite = (held > 0 and request.side is Side.SELL) or (held < 0 and request.side is Side.BUY)
    if opposite and approval is None:
        raise Forbidden("exit is larger than the position not already being exited (it would open the other "
                        "side): that part is an entry and needs a Risk Manager approval", code="APPROVAL_REQUIRED",
                       details={"symbol": request.symbol, "quantity": request.quantity, "held": float(abs(held)),
                                "being_exited": float(reserved)})


def _unclaimable(approval: TradeApproval, status: str) -> CatalystError:
    code = {"used": "APPROVAL_REUSED", "released": "APPROVAL_REUSED", "expired": "APPROVAL_EXPIRED",
            "revoked": "APPROVAL_REVOKED"}.get(status, "APPROVAL_REVOKED")
    return Forbidden(f"approval can no longer be used (its reservation is {status})", code=code,
                     details={"nonce": approval.nonce, "reservation": status})


def approval_reused(approval: TradeApproval | None) -> CatalystError:
    """The 403 for an approval whose nonce another order already carries (the UNIQUE index said so)."""
    return Forbidden("approval was already used by another order", code="APPROVAL_REUSED",
                     details={"nonce": approval.nonce if approval else None})
