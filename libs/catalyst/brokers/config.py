"""Broker configuration (``BROKER=sim|alpaca``); the defaults are the offline ones.

Retries and the breaker follow the same policy as ``catalyst.http``: 3 attempts with
exponential backoff, breaker opens after 5 consecutive failures and half-opens after 60 s.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from catalyst.config import AlpacaCredentials, Section
from catalyst.domain.market import Timeframe


class BrokerSettings(Section):

    broker: Literal["sim", "alpaca"] = Field("sim", alias="BROKER")

    # Alpaca: paper unless told otherwise; ALPACA_BASE_URL points the REST client elsewhere (a proxy,
    # a test server); ALPACA_STREAM_URL the trade-update WebSocket.
    alpaca: AlpacaCredentials = Field(default_factory=AlpacaCredentials)
    alpaca_paper: bool = Field(True, alias="ALPACA_PAPER")
    alpaca_base_url: str | None = Field(None, alias="ALPACA_BASE_URL")
    alpaca_stream_url: str | None = Field(None, alias="ALPACA_STREAM_URL")
    alpaca_use_stream: bool = Field(True, alias="ALPACA_USE_STREAM",
                                    description="False: order updates by polling only")

    poll_interval_s: float = Field(2.0, alias="BROKER_POLL_INTERVAL", gt=0)
    retry_attempts: int = Field(3, alias="BROKER_RETRY_ATTEMPTS", ge=1, le=10)
    retry_wait_initial_s: float = Field(0.5, alias="BROKER_RETRY_WAIT_INITIAL", ge=0)
    retry_wait_max_s: float = Field(4.0, alias="BROKER_RETRY_WAIT_MAX", ge=0)
    breaker_failure_threshold: int = Field(5, alias="BROKER_BREAKER_THRESHOLD", ge=1)
    breaker_recovery_s: float = Field(60.0, alias="BROKER_BREAKER_RECOVERY", gt=0)

    # SimBroker.
    sim_account: str = Field("default", alias="SIM_ACCOUNT", pattern=r"^[a-z0-9_]{1,24}$",
                             description="Ledger name: two sims on one database keep separate books")
    sim_ledger: Literal["postgres", "memory"] = Field(
        "postgres", alias="SIM_LEDGER", description="postgres: the sim's books survive a restart")
    sim_initial_cash: float = Field(100_000.0, alias="SIM_INITIAL_CASH", gt=0)
    sim_slippage_bps: float = Field(5.0, alias="SIM_SLIPPAGE_BPS", ge=0, le=1000)
    sim_commission_per_share: float = Field(0.005, alias="SIM_COMMISSION_PER_SHARE", ge=0)
    sim_min_commission: float = Field(0.0, alias="SIM_MIN_COMMISSION", ge=0)
    sim_max_participation: float = Field(
        1.0, alias="SIM_MAX_PARTICIPATION", gt=0, le=1,
        description="Largest share of one bar's volume the sim fills; below 1 gives partial fills")
    sim_market_fill: Literal["next_bar", "last_price"] = Field(
        "next_bar", alias="SIM_MARKET_FILL",
        description="next_bar: fill at the open of the first bar after submission; last_price: at once "
                    "against the latest bar (for a feed that does not move)")
    sim_timeframe: Timeframe = Field(Timeframe.MIN_1, alias="SIM_TIMEFRAME")

    @property
    def venue(self) -> str:
        """Where orders go, as recorded in ``orders.broker``: reconciliation only asks this venue.

        Paper and live Alpaca are different venues, and so are two sim ledgers.
        """
        if self.broker == "alpaca":
            return "alpaca_paper" if self.alpaca_paper else "alpaca_live"
        return f"sim_{self.sim_account}"
