"""The emergency flatten loop on its own: scripted gateways, a fake clock and sleep (no waiting)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from catalyst.contracts.risk import PositionLeft
from catalyst.errors import ServiceUnavailable, UpstreamError
from catalyst.risk.emergency import EmergencyController, positions_left
from tests.support.fake_time import FakeTime


class Gateway:
    """Fails each call named in ``failures`` that many times; flatten places exits that fill after
    ``fill_after_checks`` looks at the positions."""

    def __init__(self, positions: dict[str, float], *, failures: dict[str, int] | None = None,
                 fill_after_checks: int = 0, breaker_open: bool = False):
        self.positions = dict(positions)  # symbol -> signed quantity
        self.failures = dict(failures or {})
        self.fill_after_checks = fill_after_checks
        self.breaker_open = breaker_open
        self.calls: list[str] = []
        self._pending = False

    def _maybe_fail(self, name: str) -> None:
        self.calls.append(name)
        if self.breaker_open:
            raise ServiceUnavailable("trading circuit breaker is open", code="CIRCUIT_OPEN")
        if self.failures.get(name, 0) > 0:
            self.failures[name] -= 1
            raise UpstreamError("trading is down", code="UPSTREAM_UNREACHABLE")

    async def cancel_all_orders(self, reason: str) -> dict[str, Any]:
        self._maybe_fail("cancel")
        return {"reason": reason, "broker_canceled": 0}

    async def flatten_all(self, reason: str) -> dict[str, Any]:
        self._maybe_fail("flatten")
        if not self._pending:  # a repeated flatten replaces the exits; they fill no later for it
            self._pending, self._checks = True, 0
        return {"reason": reason, "orders": len(self.positions)}

    async def open_positions(self) -> list[dict[str, Any]]:
        self._maybe_fail("positions")
        if self._pending:
            if self._checks >= self.fill_after_checks:
                self.positions.clear()
                self._pending = False
            self._checks += 1
        return [{"symbol": s, "quantity": q} for s, q in self.positions.items()]


class BlindGateway:
    """No ``open_positions``: cannot be asked whether it is flat."""

    def __init__(self, flatten_failures: int = 0):
        self.flatten_failures = flatten_failures
        self.calls = 0

    async def cancel_all_orders(self, reason: str) -> str:
        return "ok"

    async def flatten_all(self, reason: str) -> str:
        self.calls += 1
        if self.flatten_failures > 0:
            self.flatten_failures -= 1
            raise UpstreamError("down", code="UPSTREAM_UNREACHABLE")
        return "ok"


def _controller(gateway: Any, t: FakeTime, deadline_s: float = 30.0) -> EmergencyController:
    return EmergencyController(gateway, deadline_s=deadline_s, backoff_initial=0.25, backoff_max=2.0,
                               clock=t, sleep=t.sleep)


async def test_flat_at_once_is_one_round_without_sleeping():
    t = FakeTime()
    gateway = Gateway({"AAPL": 100})
    outcome = await _controller(gateway, t).flatten_until_flat("drill")
    assert outcome.complete
    assert (outcome.orders_cancelled, outcome.positions_flattened, outcome.verified) == (True, True, True)
    assert outcome.positions_left == []
    assert outcome.rounds == 1
    assert t.waits == []
    assert gateway.calls == ["cancel", "flatten", "positions"]
    assert outcome.trading["flatten_all"] == {"ok": True, "response": {"reason": "drill", "orders": 1},
                                              "attempts": 1}


async def test_failures_and_an_open_breaker_are_retried_with_backoff_until_flat():
    t = FakeTime()
    gateway = Gateway({"AAPL": 100, "TSLA": -50}, breaker_open=True)
    controller = _controller(gateway, t)

    async def heal(seconds: float) -> None:  # the breaker closes after three rounds
        await FakeTime.sleep(t, seconds)
        if len(t.waits) == 3:
            gateway.breaker_open = False

    controller._sleep = heal
    outcome = await controller.flatten_until_flat("flash crash")
    assert outcome.complete
    assert outcome.rounds == 4
    assert t.waits == [0.25, 0.5, 1.0]  # exponential
    assert outcome.trading["cancel_all_orders"]["attempts"] == 4
    assert outcome.trading["cancel_all_orders"]["last_error"]["code"] == "CIRCUIT_OPEN"
    assert gateway.positions == {}


async def test_pending_exits_are_looked_at_before_flattening_again():
    t = FakeTime()
    gateway = Gateway({"AAPL": 100}, fill_after_checks=2)
    outcome = await _controller(gateway, t).flatten_until_flat("drill")
    assert outcome.complete
    assert gateway.calls == ["cancel", "flatten", "positions", "positions", "cancel", "flatten", "positions"]


async def test_never_flat_stops_at_the_deadline_with_what_is_left_and_each_calls_last_error():
    t = FakeTime()
    gateway = Gateway({"AAPL": 100, "TSLA": -50}, failures={"cancel": 10**6, "flatten": 10**6})
    outcome = await _controller(gateway, t, deadline_s=10.0).flatten_until_flat("drill")
    assert not outcome.complete
    assert t.now == pytest.approx(10.0)  # the last wait is cut to fall on the deadline
    assert max(t.waits) == 2.0
    assert outcome.rounds == len(t.waits) + 1 > 5  # never gave up after a few failures
    assert sorted((p.symbol, p.side, p.quantity) for p in outcome.positions_left or []) == [
        ("AAPL", "long", Decimal(100)), ("TSLA", "short", Decimal(50))]
    assert outcome.verified
    for name in ("cancel_all_orders", "flatten_all"):
        assert outcome.trading[name]["ok"] is False
        assert outcome.trading[name]["code"] == "UPSTREAM_UNREACHABLE"
        assert outcome.trading[name]["attempts"] == outcome.rounds
    assert (outcome.orders_cancelled, outcome.positions_flattened) == (False, False)


async def test_trading_down_altogether_leaves_the_positions_unknown():
    t = FakeTime()
    gateway = Gateway({"AAPL": 100}, failures={"cancel": 10**6, "flatten": 10**6, "positions": 10**6})
    outcome = await _controller(gateway, t, deadline_s=3.0).flatten_until_flat("drill")
    assert not outcome.complete
    assert outcome.positions_left is None
    assert not outcome.verified


async def test_a_gateway_that_cannot_list_positions_is_done_when_both_calls_succeed():
    t = FakeTime()
    gateway = BlindGateway(flatten_failures=2)
    outcome = await _controller(gateway, t).flatten_until_flat("drill")
    assert outcome.complete
    assert outcome.positions_left == []
    assert (outcome.positions_flattened, outcome.verified) == (True, False)
    assert gateway.calls == 3


async def test_an_unexpected_answer_is_recorded_and_retried():
    class Broken(Gateway):
        async def open_positions(self) -> Any:
            self.calls.append("positions")
            if self.calls.count("positions") == 1:
                return 42  # not a list of positions
            return []

    t = FakeTime()
    outcome = await _controller(Broken({}), t).flatten_until_flat("drill")
    assert outcome.complete
    assert outcome.trading["open_positions"]["last_error"]["code"] == "TRADING_ANSWER_INVALID"


def test_positions_left_reads_models_mappings_and_signed_quantities():
    class Mark:
        def __init__(self, symbol: str, quantity: float, side: str | None = None):
            self.symbol, self.quantity, self.side = symbol, quantity, side

    class Listing:
        def __init__(self) -> None:
            self.positions = [Mark("AAPL", 100, "long")]

    assert positions_left(Listing()) == [PositionLeft(symbol="AAPL", side="long", quantity=100)]
    assert positions_left({"p1": Mark("TSLA", -5)}) == [PositionLeft(symbol="TSLA", side="short", quantity=5)]
    assert positions_left((Mark("MSFT", 3),)) == [PositionLeft(symbol="MSFT", side="long", quantity=3)]
    assert positions_left([{"symbol": "XOM", "quantity": 0}]) == []
