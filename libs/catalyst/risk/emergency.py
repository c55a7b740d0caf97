"""The emergency flatten: cancel every order and flatten every position through Trading, again and
again, until Trading reports no open position or a deadline passes; then say what is left.

Nothing ends it early. A failed call (any error: an answer that does not parse, Trading down, an
open circuit breaker, although ``TradingClient`` makes these calls outside its breaker) is recorded
and the round is repeated after an exponential backoff (tenacity, capped so the last round falls on
the deadline). A round whose calls succeeded but whose exit orders have not filled yet is followed
by a look at the positions first, and cancel-all and flatten are repeated only if something is
still open. A round that has started finishes (each call is bounded by the client's own timeout and
retries), so a run can overrun its deadline by at most one round. Runs are serialised: a second
stop while one runs waits for it, then makes sure again.

A gateway without ``open_positions`` (``PositionReader``) cannot be checked: once cancel-all and
flatten both succeed in one round it is taken to be flat, and what is left stays unknown (None).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, retry_if_result, wait_exponential

from catalyst.contracts.risk import PositionLeft
from catalyst.domain.money import quantity as shares
from catalyst.errors import CatalystError
from catalyst.logging import get_logger
from catalyst.risk.trading_gateway import PositionReader, TradingGateway

log = get_logger(__name__)

DEFAULT_DEADLINE_S = 30.0
CANCEL_ALL, FLATTEN, OPEN_POSITIONS = "cancel_all_orders", "flatten_all", "open_positions"


@dataclass(frozen=True)
class EmergencyOutcome:
    """How a run ended. ``trading`` has one entry per call, as of its last try: ``ok``, then
    ``response`` or ``code``/``message``, ``attempts`` and, if an earlier try failed, ``last_error``."""

    complete: bool  # orders cancelled, and flat (Trading reports nothing open, or cannot be asked)
    orders_cancelled: bool
    positions_flattened: bool
    positions_left: list[PositionLeft] | None  # Trading's last answer; None: it never said (or cannot be asked)
    verified: bool  # the last look at Trading's positions succeeded: positions_left is current
    trading: dict[str, dict[str, Any]] = field(default_factory=dict)
    rounds: int = 0


def positions_left(items: Any) -> list[PositionLeft]:
    """Open positions, whatever shape they come in: a ``PositionList`` (``.positions``), or an
    iterable (a mapping's values) of models or mappings with ``symbol``, ``quantity`` (signed when
    there is no ``side``) and ``side``."""
    if hasattr(items, "positions"):
        items = items.positions
    if isinstance(items, Mapping):
        items = items.values()
    if not isinstance(items, Iterable):
        raise TypeError(f"not a list of positions: {type(items).__name__}")
    left: list[PositionLeft] = []
    for item in items:
        quantity = shares(_field(item, "quantity"))
        side = _field(item, "side")
        if side is None:
            side = "long" if quantity > 0 else "short"
        left.append(PositionLeft(symbol=str(_field(item, "symbol")), side=str(getattr(side, "value", side)),
                                 quantity=abs(quantity)))
    return [p for p in left if p.quantity > 0]


def _field(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


class EmergencyController:
    """``await controller.flatten_until_flat(reason)`` → ``EmergencyOutcome``. ``clock`` (monotonic
    seconds) and ``sleep`` are injectable, so tests need not wait."""

    def __init__(self, trading: TradingGateway, *, deadline_s: float = DEFAULT_DEADLINE_S,
                 backoff_initial: float = 0.25, backoff_max: float = 2.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self._trading = trading
        self.deadline_s = deadline_s
        self._backoff = wait_exponential(multiplier=backoff_initial, max=backoff_max)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def flatten_until_flat(self, reason: str) -> EmergencyOutcome:
        async with self._lock:
            run = _Run(self._trading, reason)
            deadline = self._clock() + self.deadline_s

            def past_deadline(_state: RetryCallState) -> bool:
                return self._clock() >= deadline

            def backoff(state: RetryCallState) -> float:
                return max(0.0, min(self._backoff(state), deadline - self._clock()))

            retrying = AsyncRetrying(
                stop=past_deadline, wait=backoff, sleep=self._sleep,
                retry=retry_if_result(lambda done: not done) | retry_if_exception_type(Exception),
                retry_error_callback=lambda _state: False,
            )
            complete: bool = await retrying(run.round)
            outcome = run.outcome(complete)
            log_at = log.warning if complete else log.error
            log_at("emergency_flatten_done", complete=complete, rounds=outcome.rounds,
                   positions_left=None if outcome.positions_left is None else len(outcome.positions_left))
            return outcome


class _Run:
    """One run's rounds and what each call last answered."""

    def __init__(self, trading: TradingGateway, reason: str):
        self._trading = trading
        self._reader = trading if isinstance(trading, PositionReader) else None
        self._reason = reason
        self.trading: dict[str, dict[str, Any]] = {}
        self._attempts: dict[str, int] = {}
        self._errors: dict[str, dict[str, Any]] = {}
        self.cancelled = self.flattened = False
        self.positions: list[PositionLeft] | None = None
        self.read_ok = False
        self.rounds = 0

    async def round(self) -> bool:
        """True when done: orders cancelled, positions flattened and (if it can be asked) Trading flat."""
        self.rounds += 1
        settling = self.rounds > 1 and self.cancelled and self.flattened and self._reader is not None
        if settling and await self._check():  # last round's exits filled meanwhile
            return True
        self.cancelled = await self._call(CANCEL_ALL, self._trading.cancel_all_orders, self._reason)
        self.flattened = await self._call(FLATTEN, self._trading.flatten_all, self._reason)
        if self._reader is None:
            return self.cancelled and self.flattened
        flat = await self._check()
        return flat and self.cancelled and self.flattened

    async def _check(self) -> bool:
        assert self._reader is not None
        reader = self._reader

        async def read() -> list[PositionLeft]:
            return positions_left(await reader.open_positions())

        self.read_ok = await self._call(OPEN_POSITIONS, read)
        return self.read_ok and not self.positions

    async def _call(self, name: str, call: Callable[..., Awaitable[Any]], *args: Any) -> bool:
        self._attempts[name] = self._attempts.get(name, 0) + 1
        record: dict[str, Any]
        try:
            answer = await call(*args)
        except CatalystError as exc:
            log.error("emergency_trading_call_failed", call=name, code=exc.code, error=exc.message,
                      attempt=self._attempts[name])
            record = {"ok": False, "code": exc.code, "message": exc.message}
        except Exception as exc:  # e.g. an answer that does not parse: still try the next call
            log.error("emergency_trading_call_failed", call=name, error=str(exc), attempt=self._attempts[name])
            record = {"ok": False, "code": "TRADING_ANSWER_INVALID", "message": str(exc)[:500]}
        else:
            if name == OPEN_POSITIONS:
                self.positions = answer
                response: Any = [p.model_dump(mode="json") for p in answer]
            else:
                response = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else answer
            record = {"ok": True, "response": response}
        if not record["ok"]:
            self._errors[name] = {"code": record["code"], "message": record["message"]}
        elif name in self._errors:
            record["last_error"] = self._errors[name]
        record["attempts"] = self._attempts[name]
        self.trading[name] = record
        return bool(record["ok"])

    def outcome(self, complete: bool) -> EmergencyOutcome:
        left: list[PositionLeft] | None
        if self._reader is None:
            left, flat = ([] if complete else None), self.flattened
        else:
            left, flat = self.positions, self.flattened and self.read_ok and not self.positions
        return EmergencyOutcome(complete=complete, orders_cancelled=self.cancelled, positions_flattened=flat,
                                positions_left=left, verified=self.read_ok, trading=self.trading,
                                rounds=self.rounds)
