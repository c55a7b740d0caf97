"""Build the configured broker (``BROKER=sim|alpaca``) wrapped in the retry/breaker guard.

The Alpaca broker is imported only when chosen: alpaca-py loads pandas and pyarrow, which the sim
broker never needs.
"""

from __future__ import annotations

from catalyst.brokers.base import Broker
from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.feeds import PriceFeed
from catalyst.brokers.guard import GuardedBroker
from catalyst.brokers.sim import SimBroker
from catalyst.brokers.sim_ledger import InMemorySimLedger, PostgresSimLedger, SimLedger
from catalyst.clock import Clock, SystemClock
from catalyst.db import Database


def build_broker(settings: BrokerSettings, *, db: Database, feed: PriceFeed,
                 clock: Clock = SystemClock()) -> GuardedBroker:
    inner: Broker
    if settings.broker == "alpaca":
        from catalyst.brokers.alpaca import AlpacaBroker

        inner = AlpacaBroker(settings)
    else:
        ledger: SimLedger = PostgresSimLedger(db) if settings.sim_ledger == "postgres" else InMemorySimLedger()
        inner = SimBroker.from_settings(settings, feed, ledger, clock=clock)
    return GuardedBroker(
        inner, attempts=settings.retry_attempts, wait_initial_s=settings.retry_wait_initial_s,
        wait_max_s=settings.retry_wait_max_s, breaker_threshold=settings.breaker_failure_threshold,
        breaker_recovery_s=settings.breaker_recovery_s,
    )
