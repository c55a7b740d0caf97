"""The book is re-read from the positions table periodically: a lost update cannot hide a position."""

from __future__ import annotations

from prometheus_client import REGISTRY

from catalyst.risk.config import RiskSettings
from services.risk.app import build_app


def _drift() -> float:
    return REGISTRY.get_sample_value("catalyst_risk_book_drift_total") or 0.0


def _app(risk_settings, parameter_file, resync_s: float):
    rs = RiskSettings(RISK_PARAMETERS_FILE=parameter_file, RISK_WATCH_PARAMETERS=False,
                      RISK_MAINTENANCE_INTERVAL=0.1, RISK_BOOK_RESYNC=resync_s)
    return build_app(risk_settings, risk_settings=rs)


async def test_a_position_whose_update_was_lost_is_found_by_the_resync(
        risk_settings, parameter_file, run_risk, add_position, eventually):
    before = _drift()
    async with run_risk(_app(risk_settings, parameter_file, 0.3)) as (client, manager):
        # Trading committed this position but its PositionUpdate never arrived (crash before publish).
        await add_position("AMD", quantity=50, avg=100.0, unrealized=-2100.0)
        await eventually(lambda: "AMD" in manager.book.view().positions, within_s=5.0)
        status = (await client.get("/api/v1/risk/status")).json()
    assert _drift() == before + 1
    # the repaired book is enforced at once: a $2,100 loss is past the $2,000 daily limit
    assert status["state"] == "reducing"


async def test_an_unchanged_book_is_not_reported_as_drift(risk_settings, parameter_file, run_risk, add_position):
    await add_position("KO", quantity=10, avg=60.0)
    async with run_risk(_app(risk_settings, parameter_file, 0.3)) as (_client, manager):
        assert "KO" in manager.book.view().positions
        before = _drift()
        assert await manager.resync_book() is False
    assert _drift() == before
