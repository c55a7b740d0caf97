"""GuardedBroker on a fake clock: its retry schedule, the safe resubmit, metrics and breaker, no real waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

import pytest

from catalyst.brokers.base import Broker, OrderQuery
from catalyst.brokers.errors import BrokerCircuitOpen, BrokerRateLimited, BrokerRejected, BrokerTransientError
from catalyst.brokers.guard import BROKER_CALLS, GuardedBroker
from catalyst.brokers.models import BrokerAccount, OrderUpdate
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderStatus, OrderType, Side
from catalyst.domain.position import Position
from tests.support.fake_time import FakeTime


class ScriptedBroker(Broker):
    """Raises the scripted errors in turn; ``made`` is set when a failing submit still reached the book."""

    name: ClassVar[str] = "scripted"

    def __init__(self, *errors: Exception, reaches_book: bool = False) -> None:
        self.errors = list(errors)
        self.reaches_book = reaches_book
        self.made: Order | None = None
        self.calls: list[str] = []

    def _next(self, call: str) -> None:
        self.calls.append(call)
        if self.errors:
            raise self.errors.pop(0)

    async def submit_order(self, request: OrderRequest) -> Order:
        order = Order(broker_order_id="b-1", client_order_id=request.client_order_id, symbol=request.symbol,
                      side=request.side, quantity=request.quantity, order_type=OrderType.MARKET,
                      status=OrderStatus.ACCEPTED)
        try:
            self._next("submit_order")
        except BrokerTransientError:
            if self.reaches_book:
                self.made = order
            raise
        return order

    async def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        self.calls.append("get_order_by_client_id")
        return self.made

    async def get_account(self) -> BrokerAccount:
        self._next("get_account")
        return BrokerAccount(account_id="a", status="ACTIVE", cash=1.0, buying_power=1.0, equity=1.0)

    async def get_order(self, broker_order_id: str) -> Order:
        raise NotImplementedError

    async def list_orders(self, status: OrderQuery = "open", limit: int = 500) -> list[Order]:
        raise NotImplementedError

    async def cancel_order(self, broker_order_id: str) -> None:
        raise NotImplementedError

    async def cancel_all(self) -> list[str]:
        raise NotImplementedError

    async def list_positions(self) -> list[Position]:
        raise NotImplementedError

    async def close_position(self, symbol: str, quantity: float | None = None) -> Order:
        raise NotImplementedError

    def order_updates(self) -> AsyncIterator[OrderUpdate]:
        raise NotImplementedError


def guarded(inner: Broker, time: FakeTime, **kw: float) -> GuardedBroker:
    opts = {"attempts": 3, "wait_initial_s": 0.5, "wait_max_s": 4.0, "breaker_threshold": 5,
            "breaker_recovery_s": 60.0} | kw
    return GuardedBroker(inner, sleep=time.sleep, clock=time, **opts)  # type: ignore[arg-type]


def count(operation: str, outcome: str) -> float:
    return BROKER_CALLS.labels("scripted", operation, outcome)._value.get()


def order() -> OrderRequest:
    return OrderRequest(symbol="AAPL", side=Side.BUY, quantity=10, client_order_id="cid-guard-1")


async def test_transient_failures_back_off_exponentially_then_succeed_and_are_counted():
    time = FakeTime()
    inner = ScriptedBroker(BrokerTransientError("502", status=502), BrokerTransientError("503", status=503))
    before = (count("get_account", "retried"), count("get_account", "ok"))
    account = await guarded(inner, time).get_account()
    assert account.status == "ACTIVE"
    assert time.waits == [0.5, 1.0]
    assert (count("get_account", "retried"), count("get_account", "ok")) == (before[0] + 2, before[1] + 1)


async def test_a_resubmit_after_an_ambiguous_failure_adopts_the_order_instead_of_sending_twice():
    time = FakeTime()
    inner = ScriptedBroker(BrokerTransientError("500", status=500), reaches_book=True)
    got = await guarded(inner, time).submit_order(order())
    assert got.client_order_id == "cid-guard-1"
    assert inner.calls == ["submit_order", "get_order_by_client_id"]


async def test_a_rate_limited_submit_is_resent_without_a_lookup():
    time = FakeTime()
    inner = ScriptedBroker(BrokerRateLimited("429", status=429))
    await guarded(inner, time).submit_order(order())
    assert inner.calls == ["submit_order", "submit_order"]


async def test_a_rejection_is_final_and_counts_as_the_broker_answering():
    time = FakeTime()
    inner = ScriptedBroker(*(BrokerTransientError("502") for _ in range(4)), BrokerRejected("no"),
                           BrokerTransientError("502"))
    broker = guarded(inner, time, attempts=1)
    for _ in range(4):
        with pytest.raises(BrokerTransientError):
            await broker.get_account()
    with pytest.raises(BrokerRejected):
        await broker.get_account()
    with pytest.raises(BrokerTransientError):
        await broker.get_account()
    assert await broker.breaker_state() == "closed"  # the rejection reset the count: 1 failure, not 5
    assert time.waits == []


async def test_breaker_opens_refuses_and_half_opens_on_the_injected_clock():
    time = FakeTime()
    inner = ScriptedBroker(*(BrokerTransientError("502") for _ in range(5)))
    broker = guarded(inner, time, attempts=3, wait_initial_s=0.0, wait_max_s=0.0)
    with pytest.raises(BrokerTransientError):
        await broker.get_account()  # three failed attempts
    with pytest.raises(BrokerCircuitOpen):
        await broker.get_account()  # two more: the fifth opens it, the third attempt is refused
    assert await broker.breaker_state() == "opened"
    calls = len(inner.calls)
    with pytest.raises(BrokerCircuitOpen):
        await broker.get_account()
    assert len(inner.calls) == calls
    time.now += 60.0
    assert await broker.breaker_state() == "half-opened"
    assert (await broker.get_account()).status == "ACTIVE"
    assert await broker.breaker_state() == "closed"
