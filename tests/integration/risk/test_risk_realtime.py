"""Real time: position updates on the bus move P&L and exposure, raise alerts at 75% and 100%,
block entries at critical (never exits), and a restart reloads the book from the database."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

from prometheus_client import REGISTRY

from catalyst.bus import Channel, EventBus, OrderFilled, PositionUpdate, RiskAlert
from catalyst.cache import Cache, CacheTier
from catalyst.contracts.risk import RiskStatus
from catalyst.risk.config import RiskSettings
from catalyst.risk.status_report import STATUS_CACHE_KEY, STATUS_CACHE_NS
from catalyst.services import ServiceName
from services.risk.app import build_app
from tests.support.waiting import eventually

ENTRY = {"symbol": "MSFT", "side": "buy", "quantity": 10, "entry": 100.0, "stop": 98.0, "target": 104.0,
         "atr": 1.5}


def _update(unrealized: float, *, pid: str = "p-aapl", status: str = "open", realized: float = 0.0,
            quantity: float = 100) -> PositionUpdate:
    return PositionUpdate(position_id=pid, symbol="AAPL", side="long", quantity=quantity, avg_entry_price=100.0,
                          market_price=100.0 + unrealized / 100, unrealized_pnl=unrealized, realized_pnl=realized,
                          status=status)


async def _collect(bus: EventBus, sink: list[RiskAlert]) -> None:
    async for event in bus.subscribe(Channel.RISK_ALERT):
        assert isinstance(event, RiskAlert)
        sink.append(event)


async def _subscribed(redis_client, name: str) -> None:
    async def subscribers() -> int:
        return int(dict(await redis_client.pubsub_numsub(name)).get(name.encode(), 0))

    await eventually(subscribers, what=f"a subscriber on {name}")


def _count_handled(manager, monkeypatch) -> list[object]:
    """The bus events the manager's book follower has finished handling, in order."""
    handled: list[object] = []
    handle = manager.follower.handle_event

    async def counting(event: object) -> None:
        await handle(event)
        handled.append(event)

    monkeypatch.setattr(manager.follower, "handle_event", counting)
    return handled


async def test_updates_raise_alerts_and_block_entries_at_critical(make_risk_app, run_risk, redis_client,
                                                                 risk_namespace, risk_db, add_position):
    await add_position("AAPL", quantity=100, avg=100.0)  # Trading's row; the updates re-mark it
    bus = EventBus(redis_client, risk_namespace)
    alerts: list[RiskAlert] = []
    collector = asyncio.create_task(_collect(bus, alerts))
    await _subscribed(redis_client, bus.channel_name(Channel.RISK_ALERT))
    try:
        async with run_risk(make_risk_app(watch=False)) as (client, manager):
            await bus.publish(_update(-1499.99))
            await eventually(lambda: manager.book.daily_pnl == D("-1499.99"))
            assert alerts == []
            await bus.publish(_update(-1500.00))  # exactly 75%: warning
            await eventually(lambda: len(alerts) == 1)
            warned = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
            await bus.publish(_update(-2000.00))  # exactly 100%: critical, entries blocked
            await eventually(lambda: len(alerts) == 2)
            blocked = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
            exit_ = (await client.post("/api/v1/risk/validate",
                                       json={"symbol": "AAPL", "side": "sell", "quantity": 100, "entry": 80.0})).json()
            status = (await client.get("/api/v1/risk/status")).json()
            await bus.publish(_update(-500.0))  # recovers intraday: still REDUCING (latched for the day)
            await eventually(lambda: manager.book.daily_pnl == D("-500"))
            still = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
            cached = await Cache(redis_client, risk_namespace).get(STATUS_CACHE_NS, STATUS_CACHE_KEY, RiskStatus,
                                                                   CacheTier.HOT)
    finally:
        collector.cancel()
    assert [(a.level, a.rule) for a in alerts] == [("warning", "daily_loss"), ("critical", "daily_loss")]
    assert alerts[1].value == 2000.0
    assert alerts[1].limit == 2000.0
    assert warned["approved"] is True
    assert "RISK_DAILY_LOSS" in {w["code"] for w in warned["warnings"]}
    assert blocked["approved"] is False
    assert {"RISK_DAILY_LOSS", "RISK_REDUCING"} <= {r["code"] for r in blocked["reasons"]}
    assert exit_["approved"] is True
    assert exit_["is_exit"] is True
    assert status["state"] == "reducing"
    assert status["daily_pnl"] == -2000.0
    assert status["open_positions"] == 1
    assert status["gross_exposure"] == 8000.0
    assert {(a["key"], a["level"]) for a in status["active_alerts"]} == {("daily_loss", "critical")}
    assert {u["name"]: u["usage_pct"] for u in status["limits"]}["daily_loss"] == 100.0
    assert still["approved"] is False
    assert {r["code"] for r in still["reasons"]} == {"RISK_REDUCING"}
    assert cached is not None
    assert cached.state.value == "reducing"
    async with risk_db.acquire() as conn:
        rows = await conn.fetch("SELECT event_type, severity, rule FROM risk_events ORDER BY event_id")
    assert [(r["event_type"], r["severity"], r["rule"]) for r in rows] == [
        ("limit_threshold", "warning", "daily_loss"), ("limit_threshold", "critical", "daily_loss"),
        ("state_change", "critical", None)]


async def test_a_closed_position_counts_its_realized_pnl_once(make_risk_app, run_risk, redis_client,
                                                              risk_namespace, risk_db, add_position, monkeypatch):
    bus = EventBus(redis_client, risk_namespace)
    await add_position("AAPL", quantity=100, avg=100.0)
    async with run_risk(make_risk_app(watch=False)) as (_client, manager):
        handled = _count_handled(manager, monkeypatch)
        await bus.publish(_update(-300.0))
        await eventually(lambda: len(manager.book.positions) == 1 and manager.book.daily_pnl == D("-300"))
        async with risk_db.acquire() as conn:  # Trading closes it: the row and the fill that realized -450
            await conn.execute("DELETE FROM positions WHERE status = 'open'")
        await add_position("AAPL", quantity=100, avg=100.0, realized=-450.0, closed=True)
        closed = _update(0.0, status="closed", realized=-450.0, quantity=0)
        await bus.publish(closed)
        await bus.publish(closed)  # delivered twice
        await bus.publish(_update(-100.0))  # a late open update of the closed position
        await eventually(lambda: manager.book.realized_today == D("-450") and not manager.book.positions)
        # Every update handled (the late one included), then the book read once more: nothing brings it back.
        await eventually(lambda: len(handled) == 4, what="the four position updates handled")
        await manager.follower.resync()
        assert manager.book.daily_pnl == D("-450")
        assert manager.book.positions == ()
        assert manager.evidence.stats.trades == 1


async def test_restart_reloads_open_positions_and_todays_realized(make_risk_app, run_risk, add_position):
    # Symbols without bars: the marks are the ones Trading recorded (with bars, the last bar marks them).
    await add_position("ORCL", quantity=100, avg=100.0, unrealized=-600.0)
    await add_position("NFLX", side="short", quantity=10, avg=200.0, unrealized=150.0)
    await add_position("XOM", realized=-900.0, closed=True)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        status = (await client.get("/api/v1/risk/status")).json()
    assert status["open_positions"] == 2
    assert status["realized_pnl_today"] == -900.0
    assert status["unrealized_pnl"] == -450.0
    assert status["daily_pnl"] == -1350.0
    by_symbol = {p["symbol"]: p for p in status["positions"]}
    assert by_symbol["ORCL"]["market_price"] == 94.0
    assert by_symbol["NFLX"]["quantity"] == -10
    assert by_symbol["NFLX"]["market_price"] == 185.0
    assert status["gross_exposure"] == 94.0 * 100 + 185.0 * 10
    assert status["net_exposure"] == 94.0 * 100 - 185.0 * 10


async def test_a_fill_marks_the_symbol_and_picks_up_an_unseen_position(make_risk_app, run_risk, add_position,
                                                                       redis_client, risk_namespace):
    bus = EventBus(redis_client, risk_namespace)
    async with run_risk(make_risk_app(watch=False)) as (_client, manager):
        await add_position("NVDA", quantity=20, avg=500.0)  # written by Trading; its update not seen yet
        await bus.publish(OrderFilled(order_id="o1", client_order_id="c1", symbol="NVDA", side="buy",
                                      filled_quantity=20, cumulative_quantity=20, fill_price=490.0,
                                      status="filled"))
        await eventually(lambda: "NVDA" in manager.book.view().positions)
        await bus.publish(OrderFilled(order_id="o2", client_order_id="c2", symbol="NVDA", side="buy",
                                      filled_quantity=1, cumulative_quantity=1, fill_price=480.0,
                                      status="filled"))
        await eventually(lambda: manager.book.unrealized == D("-400"))
    assert manager.book.view().positions["NVDA"].market_price == D("480")


async def test_kelly_uses_the_closed_trades_in_the_database(make_risk_app, run_risk, add_position):
    for i in range(15):
        await add_position(f"W{i}", realized=300.0, closed=True)
    for i in range(10):
        await add_position(f"L{i}", realized=-100.0, closed=True)
    async with run_risk(make_risk_app(watch=False)) as (client, _):
        body = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
    sizing = body["sizing"]
    assert sizing["from_prior"] is False
    assert sizing["trades"] == 25
    assert sizing["win_rate"] == 16 / 27
    assert sizing["payoff"] == 3.0


async def test_without_a_database_validation_fails_closed_then_recovers(make_settings, risk_namespace, parameter_file,
                                                                        risk_database_url, run_risk):
    """No book, no approvals: 503 until the start-up load succeeds (retried in the background)."""
    rs = RiskSettings(RISK_PARAMETERS_FILE=parameter_file, RISK_WATCH_PARAMETERS=False,
                      RISK_MAINTENANCE_INTERVAL=0.2)
    down = make_settings(ServiceName.RISK, DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere",
                         REDIS_NAMESPACE=risk_namespace)
    app = build_app(down, risk_settings=rs)
    async with run_risk(app) as (client, manager):
        refused = await client.post("/api/v1/risk/validate", json=ENTRY)
        status = (await client.get("/api/v1/risk/status")).json()
        app.state.runtime.db.dsn = risk_database_url  # the database comes back
        await eventually(lambda: manager.follower.ready)
        accepted = await client.post("/api/v1/risk/validate", json=ENTRY)
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "RISK_NOT_READY"
    assert status["ready"] is False
    assert accepted.status_code == 200
    assert accepted.json()["approved"] is True


async def test_lost_bus_reloads_the_book(make_risk_app, run_risk, add_position):
    async with run_risk(make_risk_app(watch=False)) as (_client, manager):
        await add_position("AAPL", quantity=10, avg=100.0, unrealized=-40.0)  # its update was never received
        # the connection drops; the event loop re-subscribes and re-reads
        await asyncio.wait_for(manager.follower.subscription.aclose(), 5)
        await eventually(lambda: "AAPL" in manager.book.view().positions)
    assert manager.book.unrealized == D("-40")


def _sample(page: str, line_start: str, default: float | None = None) -> float:
    """The value of the one /metrics line starting with ``line_start`` (``default`` when there is none)."""
    lines = [line for line in page.splitlines() if line.startswith(line_start)]
    if not lines and default is not None:
        return default
    (line,) = lines
    return float(line.rsplit(" ", 1)[1])


def _daily_loss_use() -> float | None:
    """The daily-loss gauge as the process holds it (what ``/metrics`` serves)."""
    return REGISTRY.get_sample_value("catalyst_risk_limit_usage_ratio", {"rule": "daily_loss"})


async def test_metrics_show_limit_use_positions_and_rejections(make_risk_app, run_risk, redis_client, risk_namespace,
                                                              add_position):
    await add_position("AAPL", quantity=100, avg=100.0)
    bus = EventBus(redis_client, risk_namespace)
    async with run_risk(make_risk_app(watch=False)) as (client, manager):
        rejected_before = _sample((await client.get("/metrics")).text,
                                  'catalyst_risk_rejections_total{code="RISK_DAILY_LOSS"}', default=0.0)
        await bus.publish(_update(-1500.00))  # 75% of the 2,000 limit
        await eventually(lambda: manager.book.daily_pnl == D("-1500"))
        await eventually(lambda: _daily_loss_use() == 0.75, what="daily loss use at 75%")  # once checked
        page = (await client.get("/metrics")).text
        assert _sample(page, 'catalyst_risk_limit_usage_ratio{rule="daily_loss"}') == 0.75
        assert _sample(page, 'catalyst_risk_limit_usage_ratio{rule="position_size"}') > 0
        assert _sample(page, "catalyst_risk_open_positions ") == 1.0
        await bus.publish(_update(-2000.00))
        await eventually(lambda: manager.book.daily_pnl == D("-2000"))
        blocked = (await client.post("/api/v1/risk/validate", json=ENTRY)).json()
        await eventually(lambda: _daily_loss_use() == 1.0, what="daily loss use at 100%")
        page = (await client.get("/metrics")).text
    assert blocked["approved"] is False
    assert _sample(page, 'catalyst_risk_limit_usage_ratio{rule="daily_loss"}') == 1.0
    assert _sample(page, 'catalyst_risk_rejections_total{code="RISK_DAILY_LOSS"}') == rejected_before + 1
