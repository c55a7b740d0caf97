"""The one broker interface every adapter implements (nautilus_trader's execution-client template).

The OMS only talks to ``Broker``; which one runs is configuration (``BROKER=sim|alpaca``).
Contract every adapter honours:

* ``submit_order`` is idempotent on ``client_order_id``: submitting an id the broker already
  holds returns that order, it never creates a second one.
* ``get_order_by_client_id`` answers None (not an error) for an id the broker never saw: that
  is how reconciliation tells "never reached the broker" from "reached it, answer lost".
* Transient failures raise ``BrokerTransientError``; refusals ``BrokerRejected``. Retries and
  the circuit breaker are applied once, outside the adapters (``catalyst.brokers.guard``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import ClassVar, Literal

from catalyst.brokers.models import BrokerAccount, OrderUpdate
from catalyst.domain.order import Order
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.position import Position

OrderQuery = Literal["open", "closed", "all"]


class Broker(ABC):
    name: ClassVar[str]

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect, load state; called once before use."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections and background tasks."""

    @abstractmethod
    async def submit_order(self, request: OrderRequest) -> Order: ...

    @abstractmethod
    async def get_order(self, broker_order_id: str) -> Order:
        """The order; raises ``BrokerOrderNotFound``."""

    @abstractmethod
    async def get_order_by_client_id(self, client_order_id: str) -> Order | None: ...

    @abstractmethod
    async def list_orders(self, status: OrderQuery = "open", limit: int = 500) -> list[Order]:
        """Orders, newest first; bracket legs are nested in their parent's ``legs``."""

    @abstractmethod
    async def cancel_order(self, broker_order_id: str) -> None: ...

    @abstractmethod
    async def cancel_all(self) -> list[str]:
        """Cancel every open order; returns the broker ids asked to cancel."""

    @abstractmethod
    async def list_positions(self) -> list[Position]: ...

    @abstractmethod
    async def close_position(self, symbol: str, quantity: float | None = None) -> Order:
        """Broker-side liquidation (the OMS prefers its own exit orders, which it can reconcile)."""

    @abstractmethod
    async def get_account(self) -> BrokerAccount: ...

    @abstractmethod
    def order_updates(self) -> AsyncIterator[OrderUpdate]:
        """Order changes as they happen (stream where the broker has one, polling otherwise)."""
