"""No code keeps session state on a pooled connection, so the pool may skip asyncpg's reset query.

``catalyst.db.pool`` releases connections without ``pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL``. That is only safe while nothing leaves state behind in the session: a
session advisory lock, a ``SET`` without ``LOCAL``, a ``set_config(..., false)``, a LISTEN, a
cursor ``WITH HOLD`` or a temporary table that outlives its transaction. This scans the code
that runs on pooled connections (``libs``, ``services`` and the migrations' functions) for them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCANNED = [ROOT / "libs" / "catalyst", ROOT / "services", ROOT / "db" / "migrations"]

SESSION_STATE = {
    "session advisory lock": re.compile(r"pg_(?:try_)?advisory_lock(?:_shared)?\s*\(", re.I),
    "SET without LOCAL": re.compile(
        r"""(?:execute|fetch\w*)\(\s*f?(?:'''|\"\"\"|'|")\s*SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)""", re.I),
    "session set_config": re.compile(r"set_config\s*\([^)]*,\s*false\s*\)", re.I),
    "LISTEN": re.compile(r"\bLISTEN\s+[\w\"]|\badd_listener\s*\("),
    "cursor WITH HOLD": re.compile(r"\bWITH\s+HOLD\b", re.I),
    "temporary table kept past its transaction": re.compile(
        r"CREATE\s+(?:TEMP|TEMPORARY)\s+TABLE(?![^\"']*ON\s+COMMIT\s+DROP)", re.I),
}


def session_state_uses(text: str) -> list[str]:
    return [name for name, pattern in SESSION_STATE.items() if pattern.search(text)]


@pytest.mark.parametrize("code", [
    'await conn.execute("SELECT pg_advisory_lock($1)", key)',
    'await conn.fetchval("SELECT pg_try_advisory_lock(7, $1)", sid)',
    'await conn.execute("SET statement_timeout = 0")',
    "await conn.execute('''SET search_path TO other''')",
    "PERFORM set_config('app.user', 'x', false);",
    'await conn.execute("LISTEN catalyst")',
    "await conn.add_listener('catalyst', callback)",
    'await conn.execute("DECLARE c CURSOR WITH HOLD FOR SELECT 1")',
    'await conn.execute("CREATE TEMP TABLE stage (LIKE bars)")',
])
def test_each_kind_of_session_state_is_recognised(code: str) -> None:
    assert session_state_uses(code)


@pytest.mark.parametrize("code", [
    'await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1), $2)", name, sid)',
    'await conn.execute("SET LOCAL jit = off")',
    '"""UPDATE orders\n   SET status = $2 WHERE order_id = $1"""',
    "PERFORM set_config('app.user', 'x', true);",
    'await conn.execute(f"CREATE TEMP TABLE {stage} (LIKE trading_history INCLUDING DEFAULTS) ON COMMIT DROP")',
])
def test_transaction_scoped_state_is_allowed(code: str) -> None:
    assert session_state_uses(code) == []


def test_no_code_keeps_session_state_on_a_pooled_connection() -> None:
    found = {}
    for folder in SCANNED:
        for path in sorted([*folder.rglob("*.py"), *folder.rglob("*.sql")]):
            uses = session_state_uses(path.read_text(encoding="utf-8"))
            if uses:
                found[str(path.relative_to(ROOT))] = uses
    assert found == {}, ("session state on pooled connections: make it transaction-scoped, or give "
                         "catalyst.db.pool a reset hook that clears it")
