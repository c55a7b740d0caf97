"""Constraints of the trading tables: FKs instead of symbols, money checks, append-only audit log."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import asyncpg
import pytest


async def _security(conn: asyncpg.Connection, symbol: str) -> int:
    return int(await conn.fetchval("SELECT get_or_create_security($1)", symbol))


async def test_position_cannot_be_written_with_a_symbol(conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.UndefinedColumnError):
        await conn.execute("INSERT INTO positions (symbol, side, quantity, avg_entry_price) "
                           "VALUES ('TSLA', 'long', 10, 250)")
    missing_id = await conn.fetchval("SELECT coalesce(max(security_id), 0) + 1000 FROM securities")
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await conn.execute("INSERT INTO positions (security_id, side, quantity, avg_entry_price) "
                           "VALUES ($1, 'long', 10, 250)", missing_id)
    with pytest.raises(asyncpg.NotNullViolationError):
        await conn.execute("INSERT INTO positions (side, quantity, avg_entry_price) VALUES ('long', 10, 250)")


async def test_position_written_with_security_id_joins_back_to_its_symbol(
        conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    symbol = new_symbol()
    sid = await _security(conn, symbol)
    pid = await conn.fetchval("INSERT INTO positions (security_id, side, quantity, avg_entry_price, stop_loss)"
                              " VALUES ($1, 'long', 0.000001, 250.125, 240) RETURNING position_id", sid)
    row = await conn.fetchrow("SELECT s.symbol, p.quantity, p.status FROM positions p JOIN securities s"
                              " USING (security_id) WHERE position_id = $1", pid)
    assert (row["symbol"], row["quantity"], row["status"]) == (symbol, Decimal("0.000001"), "open")
    with pytest.raises(asyncpg.CheckViolationError):  # closed needs closed_at
        await conn.execute("UPDATE positions SET status = 'closed' WHERE position_id = $1", pid)
    await conn.execute("UPDATE positions SET status = 'closed', closed_at = now() WHERE position_id = $1", pid)


@pytest.mark.parametrize(("column", "value"), [
    ("quantity", 0), ("quantity", -1), ("avg_entry_price", 0), ("stop_loss", 0), ("take_profit", -0.01),
])
async def test_position_quantities_and_prices_must_be_positive(
        conn: asyncpg.Connection, new_symbol: Callable[[], str], column: str, value: float) -> None:
    sid = await _security(conn, new_symbol())
    values = {"quantity": 1, "avg_entry_price": 10, "stop_loss": 9, "take_profit": 12, column: value}
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("INSERT INTO positions (security_id, side, quantity, avg_entry_price, stop_loss,"
                           " take_profit) VALUES ($1, 'long', $2, $3, $4, $5)", sid, values["quantity"],
                           values["avg_entry_price"], values["stop_loss"], values["take_profit"])


async def _order(conn: asyncpg.Connection, sid: int, **fields: object) -> uuid.UUID:
    values: dict[str, object] = {"client_order_id": uuid.uuid4().hex, "security_id": sid, "side": "buy",
                                 "order_type": "limit", "quantity": 10, "limit_price": 100}
    values.update(fields)
    cols = ", ".join(values)
    params = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    return await conn.fetchval(  # type: ignore[no-any-return]
        f"INSERT INTO orders ({cols}) VALUES ({params}) RETURNING order_id", *values.values())


async def test_orders_idempotency_keys_and_checks(conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    sid = await _security(conn, new_symbol())
    coid, nonce = uuid.uuid4().hex, uuid.uuid4().hex
    await _order(conn, sid, client_order_id=coid, approval_nonce=nonce, broker_order_id="B-" + coid)
    with pytest.raises(asyncpg.UniqueViolationError):
        await _order(conn, sid, client_order_id=coid)
    with pytest.raises(asyncpg.UniqueViolationError):
        await _order(conn, sid, approval_nonce=nonce)
    with pytest.raises(asyncpg.UniqueViolationError):
        await _order(conn, sid, broker_order_id="B-" + coid)
    with pytest.raises(asyncpg.CheckViolationError):
        await _order(conn, sid, status="done")
    with pytest.raises(asyncpg.CheckViolationError):
        await _order(conn, sid, limit_price=None)  # limit order without a limit price
    with pytest.raises(asyncpg.CheckViolationError):
        await _order(conn, sid, quantity=0)
    with pytest.raises(asyncpg.CheckViolationError):
        await _order(conn, sid, filled_quantity=Decimal("10.000001"))
    await _order(conn, sid, filled_quantity=10, status="filled", filled_avg_price=Decimal("99.99"))
    with pytest.raises(asyncpg.CheckViolationError):
        await _order(conn, sid, order_class="bracket")  # bracket parent without its legs' prices
    parent = await _order(conn, sid, order_class="bracket", take_profit_price=110, stop_loss_price=95)
    leg = await _order(conn, sid, side="sell", order_type="stop", limit_price=None, stop_price=95,
                       order_class="bracket", parent_order_id=parent)
    assert await conn.fetchval("SELECT parent_order_id FROM orders WHERE order_id = $1", leg) == parent
    await _order(conn, sid, client_order_id="x" * 128)
    with pytest.raises(asyncpg.CheckViolationError):
        await _order(conn, sid, client_order_id="x" * 129)


async def test_fills_reference_orders_and_are_unique_per_broker_fill(
        conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    order_id = await _order(conn, await _security(conn, new_symbol()))
    fill = uuid.uuid4().hex
    await conn.execute("INSERT INTO fills (order_id, quantity, price, broker_fill_id, filled_at)"
                       " VALUES ($1, 5, 100, $2, now())", order_id, fill)
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute("INSERT INTO fills (order_id, quantity, price, broker_fill_id, filled_at)"
                           " VALUES ($1, 5, 100, $2, now())", order_id, fill)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await conn.execute("INSERT INTO fills (order_id, quantity, price, filled_at) VALUES ($1, 5, 100, now())",
                           uuid.uuid4())


async def test_audit_log_is_append_only(conn: asyncpg.Connection) -> None:
    audit_id = await conn.fetchval(
        "INSERT INTO audit_log (actor, action, entity, entity_id, details) VALUES"
        " ('claude_desktop', 'execute_trade', 'order', 'abc', '{\"quantity\": 50}') RETURNING audit_id")
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await conn.execute("UPDATE audit_log SET actor = 'someone_else' WHERE audit_id = $1", audit_id)
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await conn.execute("DELETE FROM audit_log WHERE audit_id = $1", audit_id)
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await conn.execute("TRUNCATE audit_log")
    assert await conn.fetchval("SELECT actor FROM audit_log WHERE audit_id = $1", audit_id) == "claude_desktop"


async def test_risk_parameters_keep_history_with_one_active_set(conn: asyncpg.Connection) -> None:
    v1 = await conn.fetchval("SELECT apply_risk_parameters('{\"max_positions\": 5}', 'test', 'file')")
    v2 = await conn.fetchval("SELECT apply_risk_parameters('{\"max_positions\": 4}', 'test', 'mcp', 'tighter')")
    assert v2 > v1
    active = await conn.fetch("SELECT version, parameters FROM risk_parameters WHERE is_active")
    assert [r["version"] for r in active] == [v2]
    assert await conn.fetchval("SELECT count(*) FROM risk_parameters WHERE version IN ($1, $2)", v1, v2) == 2
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute("INSERT INTO risk_parameters (parameters, applied_by, source, is_active)"
                           " VALUES ('{}', 'test', 'api', true)")
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.fetchval("SELECT apply_risk_parameters('{}', 'test', 'email')")


async def test_cycle_state_and_dependent_rows(conn: asyncpg.Connection, new_symbol: Callable[[], str]) -> None:
    cycle = await conn.fetchval("INSERT INTO trading_cycles (cycle_date, mode, state) VALUES"
                                " (current_date, 'paper', 'pre_market') RETURNING cycle_id")
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("UPDATE trading_cycles SET state = 'dancing' WHERE cycle_id = $1", cycle)
    sid = await _security(conn, new_symbol())
    await conn.execute("INSERT INTO decision_logs (cycle_id, security_id, decision, reasoning, context)"
                       " VALUES ($1, $2, 'skip', 'RSI too high', '{\"rsi\": 78}')", cycle, sid)
    scan = uuid.uuid4()  # a scan's rows hang off its header (0010_scans)
    await conn.execute("INSERT INTO scans (scan_id, cycle_id, as_of, started_at, finished_at, universe_size)"
                       " VALUES ($1, $2, now(), now(), now(), 100)", scan, cycle)
    await conn.execute("INSERT INTO scan_results (scan_id, cycle_id, security_id, stage, rank, composite_score)"
                       " VALUES ($1, $2, $3, 'final', 1, 0.91)", scan, cycle, sid)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await conn.execute("INSERT INTO scan_results (scan_id, security_id, stage) VALUES ($1, $2, 'universe')",
                           uuid.uuid4(), sid)
    await conn.execute("INSERT INTO risk_events (cycle_id, security_id, event_type, severity, rule, message,"
                       " value, limit_value) VALUES ($1, $2, 'limit_warning', 'warning', 'daily_loss',"
                       " 'daily loss at 75%', 1500, 2000)", cycle, sid)
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("INSERT INTO risk_events (event_type, severity, message) VALUES ('x', 'fatal', 'm')")
