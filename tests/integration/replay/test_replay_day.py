"""A replayed trading day across services: Risk, Trading, Technical and Pattern read one market clock.

The replay universe's top candidate of 2013-03-01 (its daily bars through that day and its
one-minute bars of that day) is loaded into a database of this module's own (the Risk book reads
every open position, so no other suite's rows may leak in). The clock stands at 10:15:20 New York
that day. Risk validates an entry without an ATR and computes it from the stored daily bars
complete by then (through 2013-02-28: the day's own bar is still forming); Trading takes the
signed approval (expiry checked on the same clock) and the simulated broker fills the market
order at the open of the next minute's bar plus slippage, once that bar has completed; Technical
and Pattern never see a bar that has not completed yet.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import numpy as np
import pytest
import talib

from catalyst.bar_columns import BarColumns, to_ns
from catalyst.clients.trading import TradingClient
from catalyst.clock import AnchoredReplayClock, SimulatedClock
from catalyst.config import Settings
from catalyst.contracts.risk import ValidateResponse
from catalyst.contracts.trading import OrderOut
from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.domain.calendar import NEW_YORK, daily_bar_time, session_open
from catalyst.risk.config import RiskSettings
from catalyst.services import ServiceName
from catalyst.synthetic.universe import build_universe, expected_candidates
from services.pattern.app import build_app as build_pattern_app
from services.risk.app import build_app as build_risk_app
from services.technical.app import build_app as build_technical_app
from services.trading.app import build_app as build_trading_app
from tests.support.database import scratch_dsn
from tests.support.services import http_client, running, service_client
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]
DAY = date(2013, 3, 1)
NOW = datetime.combine(DAY, time(10, 15, 20), tzinfo=NEW_YORK).astimezone(UTC)
SECRET = "replay-approval-secret"
SLIPPAGE_BPS = Decimal(5)
DAILY_BARS = 41  # DAY's and the 40 before it (56 calendar days: all inside Risk's history window)


@dataclass(frozen=True)
class ReplaySlice:
    symbol: str
    daily: BarColumns  # through DAY (its bar included: it must stay invisible until the day is over)
    minutes: BarColumns  # DAY's session


@pytest.fixture(scope="module")
def replay_dsn() -> Iterator[str]:
    with scratch_dsn("catalyst_replay") as dsn:
        yield dsn


@pytest.fixture(scope="module")
async def replay_slice(replay_dsn: str) -> ReplaySlice:
    u = build_universe()
    symbol = expected_candidates(DAY)[0]
    through = u.daily[symbol].until(to_ns(daily_bar_time(DAY)))
    daily = through.take(slice(len(through) - DAILY_BARS, len(through)))  # well inside Risk's read window
    minutes = u.minute_bars(DAY)[symbol]
    db = Database(replay_dsn, min_size=1, max_size=2)
    try:
        store = BarStore(db)
        await store.ingest(BarFrame.from_columns({symbol: daily}), "1Day")
        await store.ingest(BarFrame.from_columns({symbol: minutes}), "1Min")
    finally:
        await db.close()
    return ReplaySlice(symbol, daily, minutes)


@dataclass
class Replay:
    clock: SimulatedClock
    risk: httpx.AsyncClient
    trading: httpx.AsyncClient
    technical: httpx.AsyncClient
    pattern: httpx.AsyncClient


@pytest.fixture
async def replay(replay_slice: ReplaySlice, replay_dsn: str, make_settings: Callable[..., Settings],
                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Replay]:
    """Risk, Trading, Technical and Pattern in process on one simulated clock (the anchored replay
    line every process computes alike in ``make run``); Risk reaches Trading over ASGI."""
    for key, value in {"BROKER": "sim", "SIM_LEDGER": "memory", "SIM_MARKET_FILL": "next_bar",
                       "SIM_SLIPPAGE_BPS": str(SLIPPAGE_BPS), "BROKER_POLL_INTERVAL": "0.05",
                       "TRADING_RECONCILE_INTERVAL": "3600"}.items():
        monkeypatch.setenv(key, value)
    clock = SimulatedClock(NOW)
    env = {"DATABASE_URL": replay_dsn, "RISK_APPROVAL_SECRET": SECRET}
    settings = {s: make_settings(s, **env) for s in (ServiceName.RISK, ServiceName.TRADING, ServiceName.TECHNICAL,
                                                     ServiceName.PATTERN)}
    parameters = tmp_path / "risk_parameters.yaml"
    shutil.copy(ROOT / "config" / "risk_parameters.yaml", parameters)
    trading_app = build_trading_app(settings[ServiceName.TRADING], clock=clock)
    technical_app = build_technical_app(settings[ServiceName.TECHNICAL], clock=clock)
    pattern_app = build_pattern_app(settings[ServiceName.PATTERN], clock=clock)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(running(trading_app))
        to_trading = await stack.enter_async_context(service_client(trading_app, caller=ServiceName.RISK))
        risk_app = build_risk_app(settings[ServiceName.RISK], trading=TradingClient(to_trading), clock=clock,
                                  risk_settings=RiskSettings(RISK_PARAMETERS_FILE=parameters,
                                                             RISK_WATCH_PARAMETERS=False))
        for app in (risk_app, technical_app, pattern_app):
            await stack.enter_async_context(running(app))
        risk, trading, technical, pattern = [await stack.enter_async_context(http_client(app))  # Workflow's key
                                             for app in (risk_app, trading_app, technical_app, pattern_app)]
        yield Replay(clock, risk, trading, technical, pattern)


def _minute(minutes: BarColumns, at: datetime) -> int:
    """Index of the minute bar that starts at ``at``."""
    return int(np.searchsorted(minutes.ts, to_ns(at)))


def _expected_atr(daily: BarColumns) -> float:
    """TA-Lib's Wilder ATR(14) over the stored daily bars before DAY (Risk's window holds them all)."""
    prior = daily.until(to_ns(daily_bar_time(DAY)) - 1)
    assert len(prior) == len(daily) - 1
    return float(talib.ATR(prior.high, prior.low, prior.close, 14)[-1])


async def _until_filled(trading: httpx.AsyncClient, order_id: str) -> OrderOut:
    async def filled() -> OrderOut | None:  # the sim polls its price feed every 50 ms here
        order = OrderOut.model_validate((await trading.get(f"/api/v1/orders/{order_id}")).json())
        return order if order.status.value == "filled" else None

    return await eventually(filled, what=f"order {order_id} filled")


async def test_an_entry_validated_and_filled_on_the_replay_clock(replay: Replay, replay_slice: ReplaySlice) -> None:
    symbol, minutes = replay_slice.symbol, replay_slice.minutes
    last_complete = _minute(minutes, NOW.replace(second=0) - timedelta(minutes=1))  # the 10:14 bar
    entry = round(float(minutes.close[last_complete]), 2)
    atr = _expected_atr(replay_slice.daily)
    body = {"symbol": symbol, "side": "buy", "quantity": 100, "entry": entry, "stop": round(entry - 1.5 * atr, 2),
            "target": round(entry + 3 * atr, 2), "order_type": "market"}  # no "atr": Risk reads the stored bars

    status = (await replay.risk.get("/api/v1/risk/status")).json()
    assert status["trading_day"] == DAY.isoformat()
    r = await replay.risk.post("/api/v1/risk/validate", json=body)
    assert r.status_code == 200, r.text
    decision = ValidateResponse.model_validate(r.json())
    assert decision.approved, decision.reasons
    stop_rule = next(rule for rule in decision.rules if rule.rule == "stop_loss")
    assert stop_rule.limit == pytest.approx(2 * atr, abs=5e-7)  # 2×ATR from bars complete at NOW, at six decimals
    with_today = talib.ATR(replay_slice.daily.high, replay_slice.daily.low, replay_slice.daily.close, 14)[-1]
    assert abs(with_today - atr) > 1e-6  # the day's own bar would have given another ATR
    assert decision.approval is not None
    assert decision.approval.expires_at == NOW + timedelta(seconds=60)  # issued at market time

    order = {"symbol": symbol, "side": "buy", "quantity": decision.sized_quantity, "order_type": "market",
             "approval": decision.approval.model_dump(mode="json")}
    r = await replay.trading.post("/api/v1/orders", json=order)
    assert r.status_code == 201, r.text
    accepted = OrderOut.model_validate(r.json())
    assert accepted.status.value == "accepted"  # the next bar (10:16) has not started yet
    assert accepted.created_at == NOW

    replay.clock.set(NOW.replace(second=0) + timedelta(minutes=2))  # 10:17:00: the 10:16 bar is complete
    filled = await _until_filled(replay.trading, str(accepted.order_id))
    fill_bar = _minute(minutes, NOW.replace(second=0) + timedelta(minutes=1))
    # An approved market entry goes to the broker as a limit at the approval's bound: it fills at the
    # next bar's open when that is within the bound (a limit fill: no slippage), never above it.
    assert decision.priced_at == Decimal(str(entry))  # the market: the last complete bar's close
    expected = min(Decimal(str(float(minutes.open[fill_bar]))), Decimal(str(decision.price_bound)))
    assert filled.filled_avg_price == pytest.approx(expected, abs=Decimal("0.0001"))
    assert filled.filled_quantity == decision.sized_quantity
    assert filled.filled_at == NOW.replace(second=0) + timedelta(minutes=1)  # the fill bar's market time
    positions = (await replay.trading.get("/api/v1/positions")).json()["positions"]
    assert [(p["symbol"], p["quantity"]) for p in positions] == [(symbol, decision.sized_quantity)]
    assert datetime.fromisoformat(positions[0]["opened_at"]) == filled.filled_at


async def test_an_approval_expires_on_the_market_clock(replay: Replay, replay_slice: ReplaySlice) -> None:
    symbol, minutes = replay_slice.symbol, replay_slice.minutes
    entry = round(float(minutes.close[_minute(minutes, NOW.replace(second=0) - timedelta(minutes=1))]), 2)
    atr = _expected_atr(replay_slice.daily)
    body = {"symbol": symbol, "side": "buy", "quantity": 10, "entry": entry, "stop": round(entry - atr, 2),
            "target": round(entry + 2 * atr, 2), "order_type": "market"}
    approvals = []
    for _ in range(2):
        decision = ValidateResponse.model_validate((await replay.risk.post("/api/v1/risk/validate",
                                                                           json=body)).json())
        assert decision.approved, decision.reasons
        assert decision.approval is not None
        approvals.append(decision.approval)
    expires = approvals[0].expires_at
    assert approvals[1].expires_at == expires == NOW + timedelta(seconds=60)

    def order(i: int) -> dict[str, object]:
        return {"symbol": symbol, "side": "buy", "quantity": 10, "order_type": "market",
                "approval": approvals[i].model_dump(mode="json")}

    replay.clock.set(expires - timedelta(microseconds=1))  # one simulated minute later, less 1 µs
    r = await replay.trading.post("/api/v1/orders", json=order(0))
    assert r.status_code == 201, r.text
    replay.clock.set(expires)  # exactly at the expiry
    r = await replay.trading.post("/api/v1/orders", json=order(1))
    assert r.status_code == 403, r.text
    assert "APPROVAL_EXPIRED" in r.text


async def test_analysis_sees_no_bar_that_has_not_completed(replay: Replay, replay_slice: ReplaySlice) -> None:
    symbol, minutes = replay_slice.symbol, replay_slice.minutes
    newest = NOW.replace(second=0) - timedelta(minutes=1)  # 10:14 completed at 10:15:00; 10:15 is forming
    r = await replay.technical.get(f"/api/v1/indicators/{symbol}",
                                   params={"timeframe": "1Min", "indicators": "sma_20,rsi_14", "bars": "30"})
    assert r.status_code == 200, r.text
    values = r.json()
    assert datetime.fromisoformat(values["as_of"]) == newest
    closes = minutes.close[:_minute(minutes, newest) + 1]
    assert values["sma_20"] == pytest.approx(float(closes[-20:].mean()), rel=1e-9)

    daily = (await replay.technical.get(f"/api/v1/indicators/{symbol}",
                                        params={"timeframe": "1Day", "indicators": "sma_20", "bars": "30"})).json()
    assert datetime.fromisoformat(daily["as_of"]) == daily_bar_time(DAY - timedelta(days=1))

    r = await replay.pattern.get(f"/api/v1/patterns/{symbol}", params={"timeframe": "1Min", "patterns": "bull_flag"})
    assert r.status_code == 200, r.text
    assert datetime.fromisoformat(r.json()["as_of"]) == newest

    replay.clock.set(NOW + timedelta(minutes=5))  # later: the cache does not serve the earlier answer
    later = (await replay.technical.get(f"/api/v1/indicators/{symbol}",
                                        params={"timeframe": "1Min", "indicators": "sma_20,rsi_14",
                                                "bars": "30"})).json()
    assert datetime.fromisoformat(later["as_of"]) == newest + timedelta(minutes=5)
    assert later["cached"] is False


async def test_the_runtime_clock_comes_from_the_environment(make_settings: Callable[..., Settings],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    start = session_open(DAY)
    monkeypatch.setenv("MARKET_CLOCK", "replay")
    monkeypatch.setenv("REPLAY_START", start.isoformat())
    monkeypatch.setenv("REPLAY_ANCHOR", (datetime.now(UTC) - timedelta(seconds=30)).isoformat())
    monkeypatch.setenv("REPLAY_SPEED", "2")
    app = build_technical_app(make_settings(ServiceName.TECHNICAL))
    async with running(app):
        clock = app.state.runtime.clock
        assert isinstance(clock, AnchoredReplayClock)
        assert timedelta(seconds=59) < clock.now() - start < timedelta(seconds=75)  # 30+ wall s at 2x
