"""SimBroker after its clock went back (a replay restarted at its morning): bars the books hold from
later that day are forgotten, so a new order fills on the bars of the replayed minute."""

from datetime import UTC, datetime, timedelta

from catalyst.brokers.config import BrokerSettings
from catalyst.brokers.feeds import InMemoryBarFeed
from catalyst.brokers.sim import SimBroker
from catalyst.brokers.sim_ledger import InMemorySimLedger
from catalyst.clock import SimulatedClock
from catalyst.domain.market import Bar
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import OrderStatus, Side

T0 = datetime(2013, 3, 1, 14, 30, tzinfo=UTC)
SETTINGS = BrokerSettings(SIM_SLIPPAGE_BPS=0, SIM_COMMISSION_PER_SHARE=0)


def bar(minute: int, price: float) -> Bar:
    return Bar(symbol="AAPL", ts=T0 + timedelta(minutes=minute), open=price, high=price + 1, low=price - 1,
               close=price, volume=10_000)


def buy(qty: int) -> OrderRequest:
    return OrderRequest(symbol="AAPL", side=Side.BUY, quantity=qty)


async def _earlier_run(ledger: InMemorySimLedger) -> None:
    """A run that went on to 15:31 and traded there: its books remember the 15:31 bar."""
    clock = SimulatedClock(T0 + timedelta(minutes=60, seconds=30))
    feed = InMemoryBarFeed([bar(60, 119.0)])
    broker = SimBroker.from_settings(SETTINGS, feed, ledger, clock=clock)
    order = await broker.submit_order(buy(1))
    feed.publish(bar(61, 120.0))
    clock.set(T0 + timedelta(minutes=62))
    assert (await broker.get_order(order.broker_order_id)).status is OrderStatus.FILLED
    assert broker.engine.last_bar["AAPL"].ts == T0 + timedelta(minutes=61)


async def test_a_restarted_replay_fills_on_the_bars_of_its_own_minute() -> None:
    ledger = InMemorySimLedger()
    await _earlier_run(ledger)
    clock = SimulatedClock(T0 + timedelta(seconds=30))  # the replay starts over: 09:30:30
    feed = InMemoryBarFeed([bar(0, 100.0)])  # the replayed morning, released bar by bar
    broker = SimBroker.from_settings(SETTINGS, feed, ledger, clock=clock)
    await broker.start()
    assert broker.engine.last_bar["AAPL"].ts == T0 + timedelta(minutes=61)  # restored from the books
    order = await broker.submit_order(buy(10))
    assert broker.engine.last_bar["AAPL"].ts == T0  # priced again from the feed as of now
    feed.publish(bar(1, 101.0))
    clock.set(T0 + timedelta(minutes=2))
    filled = await broker.get_order(order.broker_order_id)
    assert (filled.status, filled.filled_avg_price) == (OrderStatus.FILLED, 101.0)  # 09:31's open
    assert filled.updated_at == T0 + timedelta(minutes=1)
    assert broker.engine.last_bar["AAPL"].ts == T0 + timedelta(minutes=1)


async def test_bars_up_to_now_are_kept() -> None:
    clock = SimulatedClock(T0 + timedelta(minutes=1))
    broker = SimBroker.from_settings(SETTINGS, InMemoryBarFeed([bar(1, 100.0)]), InMemorySimLedger(),
                                     clock=clock)
    await broker.submit_order(buy(1))
    assert broker.engine.forget_bar_after("AAPL", T0 + timedelta(minutes=1)) is False  # starts exactly now
    assert broker.engine.forget_bar_after("AAPL", T0 + timedelta(seconds=59)) is True
    assert "AAPL" not in broker.engine.last_bar
