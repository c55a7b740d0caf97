"""Retries and the circuit breaker around any broker, applied once (spec 8.2–8.3).

Policy, the same as ``catalyst.http``: a call that fails with ``BrokerTransientError`` (429,
5xx, connection) is tried up to ``attempts`` times with exponential backoff; each failed try
counts toward the breaker, which opens after ``threshold`` consecutive failures and lets one
trial through after ``recovery_s``. Refusals (``BrokerRejected``) and unknown orders are the
caller's business: never retried, and counted as the broker answering. The adapters do not retry
(``AlpacaBroker`` turns alpaca-py's own 429 retry off) so a failure is never retried twice.

Submitting is retried safely because it is idempotent on ``client_order_id``: after a failure
that may have reached the broker (5xx, connection lost), the next try first asks the broker for
that client id and adopts the order it finds instead of sending a second one.

The policy and the breaker are ``catalyst.resilience``'s; what is here is the broker's own part:
which errors are transient, the client-order-id adoption, and the per-operation metrics.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ClassVar, TypeVar

from prometheus_client import Counter

from catalyst.brokers.base import Broker, OrderQuery
from catalyst.brokers.errors import (
    BrokerCircuitOpen,
    BrokerOrderNotFound,
    BrokerRateLimited,
    BrokerRejected,
    BrokerTransientError,
)
from catalyst.brokers.models import BrokerAccount, OrderUpdate
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.position import Position
from catalyst.logging import get_logger
from catalyst.resilience import CircuitBreaker, CircuitOpen, Monotonic, Retrier, RetryPolicy, Sleep

log = get_logger(__name__)
T = TypeVar("T")

BROKER_CALLS = Counter(
    "catalyst_trading_broker_calls_total",
    "Broker calls by broker, operation and outcome (ok, retried, rejected, failed, circuit_open)",
    ["broker", "operation", "outcome"],
)


class GuardedBroker(Broker):
    """``inner`` with retries and a circuit breaker; same interface."""

    name: ClassVar[str] = "guarded"

    def __init__(self, inner: Broker, *, attempts: int = 3, wait_initial_s: float = 0.5, wait_max_s: float = 4.0,
                 breaker_threshold: int = 5, breaker_recovery_s: float = 60.0, sleep: Sleep = asyncio.sleep,
                 clock: Monotonic = time.monotonic):
        self.inner = inner
        policy = RetryPolicy(retry_on=(BrokerTransientError,), attempts=attempts, backoff_s=wait_initial_s,
                             max_backoff_s=wait_max_s)
        self._retrier = Retrier(policy, sleep=sleep, clock=clock)
        self._breaker = CircuitBreaker(inner.name, threshold=breaker_threshold, recovery_s=breaker_recovery_s,
                                       healthy=(BrokerRejected, BrokerOrderNotFound), clock=clock)

    @property
    def broker_name(self) -> str:
        return self.inner.name

    async def breaker_state(self) -> str:
        return self._breaker.state.value

    async def start(self) -> None:
        await self.inner.start()

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def _once(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            with self._breaker.guard():
                return await call()
        except CircuitOpen as exc:
            BROKER_CALLS.labels(self.inner.name, operation, "circuit_open").inc()
            raise BrokerCircuitOpen(f"{self.inner.name} circuit breaker is open",
                                    details={"broker": self.inner.name}) from exc
        except BrokerTransientError as exc:
            BROKER_CALLS.labels(self.inner.name, operation, "retried").inc()
            log.warning("broker_call_failed", broker=self.inner.name, operation=operation, error=exc.message,
                        status=exc.status)
            raise
        except BrokerRejected:
            BROKER_CALLS.labels(self.inner.name, operation, "rejected").inc()
            raise

    async def _call(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            result = await self._retrier.call(lambda: self._once(operation, call))
        except BrokerTransientError:
            BROKER_CALLS.labels(self.inner.name, operation, "failed").inc()
            raise
        BROKER_CALLS.labels(self.inner.name, operation, "ok").inc()
        return result

    async def submit_order(self, request: OrderRequest) -> Order:
        maybe_sent = False

        async def attempt_submit() -> Order:
            nonlocal maybe_sent
            if maybe_sent:
                found = await self.inner.get_order_by_client_id(request.client_order_id)
                if found is not None:
                    log.info("broker_submit_adopted", client_order_id=request.client_order_id)
                    return found
            try:
                return await self.inner.submit_order(request)
            except BrokerRateLimited:
                raise  # a 429 was refused before anything happened
            except BrokerTransientError:
                maybe_sent = True
                raise

        return await self._call("submit_order", attempt_submit)

    async def get_order(self, broker_order_id: str) -> Order:
        return await self._call("get_order", lambda: self.inner.get_order(broker_order_id))

    async def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        return await self._call("get_order_by_client_id", lambda: self.inner.get_order_by_client_id(client_order_id))

    async def list_orders(self, status: OrderQuery = "open", limit: int = 500) -> list[Order]:
        return await self._call("list_orders", lambda: self.inner.list_orders(status, limit))

    async def cancel_order(self, broker_order_id: str) -> None:
        await self._call("cancel_order", lambda: self.inner.cancel_order(broker_order_id))

    async def cancel_all(self) -> list[str]:
        return await self._call("cancel_all", self.inner.cancel_all)

    async def list_positions(self) -> list[Position]:
        return await self._call("list_positions", self.inner.list_positions)

    async def close_position(self, symbol: str, quantity: float | None = None) -> Order:
        return await self._call("close_position", lambda: self.inner.close_position(symbol, quantity))

    async def get_account(self) -> BrokerAccount:
        return await self._call("get_account", self.inner.get_account)

    def order_updates(self) -> AsyncIterator[OrderUpdate]:
        return self.inner.order_updates()
