"""The trading day rolls over at midnight New York time: today's realized P&L and the REDUCING
latch reset; an emergency halt does not."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from catalyst.bus import EventBus
from catalyst.cache import Cache
from catalyst.clock import SimulatedClock
from catalyst.contracts.risk import ValidateRequest
from catalyst.db import Database
from catalyst.db.bars import BarStore
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.orders import Side
from catalyst.domain.risk import RiskState
from catalyst.risk.history import HistoryCache, bar_store_loader
from catalyst.risk.manager import RiskManager
from catalyst.risk.parameter_store import ParameterStore
from catalyst.risk.prices import MarketPrices, bar_store_prices

REQUEST = ValidateRequest(symbol="MSFT", side=Side.BUY, quantity=10, entry=100.0, stop=98.0, target=104.0, atr=1.5)


class NoTrading:
    async def cancel_all_orders(self, reason: str) -> dict[str, str]:
        return {"reason": reason}

    async def flatten_all(self, reason: str) -> dict[str, str]:
        return {"reason": reason}


async def _manager(db: Database, redis_client, namespace: str, clock: SimulatedClock, path: Path) -> RiskManager:
    manager = RiskManager(db=db, bus=EventBus(redis_client, namespace),
                          cache=Cache(redis_client, namespace), store=ParameterStore(db),
                          history=HistoryCache(bar_store_loader(BarStore(db))), trading=NoTrading(),
                          approval_secret="s", clock=clock,
                          prices=MarketPrices(bar_store_prices(BarStore(db))))
    await manager.load(path)
    return manager


async def test_rollover_resets_the_day_but_not_a_halt(risk_database_url, redis_client, risk_namespace, parameter_file,
                                                      add_position):
    # 15:00 New York; the loss was realized an hour earlier.
    yesterday = datetime.now(NEW_YORK).date() - timedelta(days=1)
    clock = SimulatedClock(datetime.combine(yesterday, time(15, 0), tzinfo=NEW_YORK).astimezone(UTC))
    await add_position("XOM", realized=-2500.0, closed=True, opened_at=clock.now() - timedelta(hours=2),
                       closed_at=clock.now() - timedelta(hours=1))
    db = Database(risk_database_url)
    manager = await _manager(db, redis_client, risk_namespace, clock, parameter_file)
    assert manager.control.state == RiskState.REDUCING  # the day's loss is past the limit
    assert not (await manager.validator.validate(REQUEST)).approved
    clock.advance(timedelta(hours=8, minutes=59))  # 23:59 New York: still the same trading day
    assert not (await manager.validator.validate(REQUEST)).approved
    clock.advance(timedelta(minutes=2))  # 00:01 New York: a new day
    fresh = await manager.validator.validate(REQUEST)
    assert fresh.approved
    assert fresh.state is RiskState.ACTIVE
    assert manager.book.daily_pnl == 0.0

    await manager.emergency_stop("drill", "test")
    clock.advance(timedelta(days=1))
    halted = await manager.validator.validate(REQUEST)
    assert not halted.approved
    assert halted.state is RiskState.HALTED
    await manager.close()
    await db.close()
