"""Capital: the broker's current equity (Trading's account), capped by the ``account_equity`` parameter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from catalyst.domain.money import money
from catalyst.domain.risk import RiskParameters
from catalyst.logging import get_logger

log = get_logger(__name__)

EquitySource = Callable[[], Awaitable[Decimal | None]]


async def no_equity() -> Decimal | None:
    """An equity source that never knows (the parameter alone is the capital)."""
    return None


def equity_of(gateway: object) -> EquitySource:
    """The broker's equity through a gateway that can read the account (Trading's client), else none."""
    read = getattr(gateway, "account", None)
    if read is None:
        return no_equity

    async def equity() -> Decimal | None:
        account = await read()
        value = getattr(account, "equity", None)
        return None if value is None else money(value)

    return equity


class BrokerEquity:
    """The last equity the broker reported (None until it says); the parameter stays the ceiling."""

    def __init__(self, source: EquitySource = no_equity):
        self._source = source
        self.value: Decimal | None = None

    async def refresh(self) -> None:
        """The broker's current equity (None, and the parameter alone, while Trading cannot say)."""
        try:
            equity = await self._source()
        except Exception as exc:  # the last known value stays; the parameter is the ceiling anyway
            log.warning("risk_equity_unavailable", error=str(exc))
            return
        if equity is not None and equity > 0:
            self.value = equity

    def cap(self, params: RiskParameters) -> RiskParameters:
        """``params`` with capital at the broker's current equity, never above the parameter."""
        if self.value is None or self.value >= params.account_equity:
            return params
        return params.model_copy(update={"account_equity": self.value})
