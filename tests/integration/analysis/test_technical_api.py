"""Technical service over HTTP on the real database and Redis: values, errors, cache, storage, batch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import talib
from prometheus_client import REGISTRY

from catalyst.contracts.technical import IndicatorValues
from catalyst.db import Database
from catalyst.db.bars import BarStore

DAILY_LONG, DAILY_SHORT, MINUTE_ONLY = "ANLD", "ANLS", "ANLM"  # stored by conftest.analysis_bars

URL = "/api/v1/indicators"


def cache_hits() -> float:
    return REGISTRY.get_sample_value(
        "catalyst_cache_requests_total", {"namespace": "technical", "tier": "warm", "result": "hit"}
    ) or 0.0


async def test_values_at_the_last_bar_are_talibs(technical_client: httpx.AsyncClient, database: Database) -> None:
    r = await technical_client.get(f"{URL}/{DAILY_LONG}", params={"timeframe": "1Day", "refresh": "true"})
    assert r.status_code == 200, r.text
    body = IndicatorValues.model_validate(r.json())
    bars = await BarStore(database).read(DAILY_LONG, "1Day")
    h, lo, c, v = bars.high, bars.low, bars.close, bars.volume
    assert body.bars == 250
    assert body.as_of.isoformat().startswith("2024-02-05")  # 2023-06-01 + 249 days
    assert body.cached is False
    expected = {
        "sma_20": talib.SMA(c, 20)[-1], "sma_200": talib.SMA(c, 200)[-1], "ema_9": talib.EMA(c, 9)[-1],
        "rsi_14": talib.RSI(c, 14)[-1], "macd_hist": talib.MACD(c)[2][-1], "atr_14": talib.ATR(h, lo, c, 14)[-1],
        "bb_upper": talib.BBANDS(c, 20, 2.0, 2.0)[0][-1], "obv": talib.OBV(c, v)[-1],
        "volume_ratio": v[-1] / v[-21:-1].mean(),
    }
    for name, value in expected.items():
        assert getattr(body, name) == pytest.approx(value, rel=1e-9, abs=1e-9), name
    assert body.support or body.resistance
    assert all(lv.price <= c[-1] for lv in body.support)
    assert all(lv.price > c[-1] for lv in body.resistance)


async def test_second_call_is_served_from_redis(technical_client: httpx.AsyncClient, redis_client: Any,
                                                test_settings: Any) -> None:
    params = {"timeframe": "1Day", "indicators": "sma_20,rsi_14", "bars": "240"}
    first = await technical_client.get(f"{URL}/{DAILY_LONG}", params={**params, "refresh": "true"})
    hits = cache_hits()
    second = await technical_client.get(f"{URL}/{DAILY_LONG}", params=params)
    assert first.status_code == second.status_code == 200
    assert first.json()["cached"] is False
    assert second.json()["cached"] is True
    assert cache_hits() == hits + 1
    assert {k: v for k, v in second.json().items() if k != "cached"} == \
        {k: v for k, v in first.json().items() if k != "cached"}
    # the key ends with the bar horizon of the market clock's now (``result_cache.bar_horizon``)
    key = f"{test_settings.redis_namespace}cache:technical:{DAILY_LONG}:1Day:240:sma_20+rsi_14@"
    keys = [k async for k in redis_client.scan_iter(match=key + "*")]
    assert keys
    for stored in keys:
        assert 0 < await redis_client.ttl(stored) <= 300


async def test_the_last_bar_is_stored_in_technical_indicators(technical_client: httpx.AsyncClient,
                                                              database: Database) -> None:
    r = await technical_client.get(f"{URL}/{DAILY_LONG}", params={"timeframe": "1Day", "refresh": "true"})
    body = r.json()
    async with database.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT ti.*, t.ts FROM technical_indicators ti JOIN securities s USING (security_id) "
            "JOIN time_dimension t USING (time_id) WHERE s.symbol = $1 AND ti.timeframe = '1Day' "
            "ORDER BY ti.time_id DESC LIMIT 1", DAILY_LONG)
    assert row is not None
    assert row["ts"].isoformat() == body["as_of"].replace("Z", "+00:00")
    for name in ("sma_20", "sma_200", "rsi_14", "macd", "atr_14", "bb_lower", "obv", "volume_ratio"):
        assert float(row[name]) == pytest.approx(body[name], rel=1e-12), name
    assert float(row["support_1"]) == pytest.approx(body["support"][0]["price"])
    assert float(row["resistance_1"]) == pytest.approx(body["resistance"][0]["price"])


async def test_unknown_symbol_is_a_404_envelope(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.get(f"{URL}/NOSUCH", params={"timeframe": "1Day"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "UNKNOWN_SYMBOL"


async def test_malformed_symbol_is_a_400(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.get(f"{URL}/AB$C")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "INVALID_SYMBOL"


async def test_too_few_bars_names_the_indicator_and_the_counts(technical_client: httpx.AsyncClient,
                                                               database: Database) -> None:
    r = await technical_client.get(f"{URL}/{DAILY_SHORT}", params={"timeframe": "1Day"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "INSUFFICIENT_DATA"
    assert error["details"]["required"] == 200
    assert error["details"]["available"] == 100
    assert error["details"]["indicator"] == "sma_200"
    async with database.acquire() as conn:  # nothing half-written
        stored = await conn.fetchval(
            "SELECT count(*) FROM technical_indicators ti JOIN securities s USING (security_id) "
            "WHERE s.symbol = $1", DAILY_SHORT)
    assert stored == 0
    ok = await technical_client.get(f"{URL}/{DAILY_SHORT}", params={"timeframe": "1Day",
                                                                    "indicators": "sma_50,macd"})
    assert ok.status_code == 200
    assert ok.json()["sma_200"] is None


async def test_bars_boundary_for_sma_200(technical_client: httpx.AsyncClient) -> None:
    params = {"timeframe": "1Day", "indicators": "sma_200"}
    at = await technical_client.get(f"{URL}/{DAILY_LONG}", params={**params, "bars": "200"})
    assert at.status_code == 200
    assert at.json()["bars"] == 200
    below = await technical_client.get(f"{URL}/{DAILY_LONG}", params={**params, "bars": "199"})
    assert below.status_code == 400
    assert below.json()["error"]["details"] == {
        "required": 200, "available": 199, "indicator": "sma_200", "shortfalls": {"sma_200": 200}}


async def test_a_timeframe_without_bars_has_no_data(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.get(f"{URL}/{MINUTE_ONLY}", params={"timeframe": "1Day", "indicators": "obv"})
    assert r.status_code == 400
    assert r.json()["error"]["details"]["available"] == 0


async def test_unsupported_timeframe_names_the_allowed_ones(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.get(f"{URL}/{DAILY_LONG}", params={"timeframe": "2Min"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "UNSUPPORTED_TIMEFRAME"
    assert error["details"]["allowed"] == ["1Min", "5Min", "15Min", "1Hour", "1Day"]


async def test_unknown_indicator_is_a_400(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.get(f"{URL}/{DAILY_LONG}", params={"indicators": "sma_20,vwap_99"})
    assert r.status_code == 400
    assert r.json()["error"]["details"]["unknown"] == ["vwap_99"]


async def test_bars_out_of_range_is_a_400(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.get(f"{URL}/{DAILY_LONG}", params={"bars": "0"})
    assert r.status_code == 400


async def test_batch_answers_each_symbol_and_lists_failures(technical_client: httpx.AsyncClient) -> None:
    body = {"symbols": [DAILY_LONG, DAILY_SHORT, "NOSUCH", DAILY_LONG.lower()], "timeframe": "1Day",
            "refresh": True}
    r = await technical_client.post(f"{URL}/batch", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert list(out["results"]) == [DAILY_LONG]
    assert out["errors"][DAILY_SHORT]["code"] == "INSUFFICIENT_DATA"
    assert out["errors"]["NOSUCH"]["code"] == "UNKNOWN_SYMBOL"
    single = (await technical_client.get(f"{URL}/{DAILY_LONG}", params={"timeframe": "1Day",
                                                                        "refresh": "true"})).json()
    batch = out["results"][DAILY_LONG]
    for name in ("sma_20", "sma_200", "ema_21", "rsi_14", "macd_signal", "atr_14", "bb_middle", "obv",
                 "volume_ratio"):
        assert batch[name] == pytest.approx(single[name], rel=1e-9, abs=1e-9), name
    assert batch["support"] == single["support"]
    assert batch["resistance"] == single["resistance"]
    again = (await technical_client.post(f"{URL}/batch", json={**body, "refresh": False})).json()
    assert again["results"][DAILY_LONG]["cached"] is True


async def test_batch_equal_lengths_share_a_panel(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.post(f"{URL}/batch", json={
        "symbols": [DAILY_LONG, DAILY_SHORT], "timeframe": "1Day", "indicators": ["rsi_14", "atr_14"],
        "bars": 90, "refresh": True})
    out = r.json()
    assert set(out["results"]) == {DAILY_LONG, DAILY_SHORT}
    assert all(v["bars"] == 90 for v in out["results"].values())
    assert not out["errors"]


@pytest.mark.parametrize("body", [
    {"symbols": [DAILY_LONG], "timeframe": "1Week"},
    {"symbols": [], "timeframe": "1Day"},
    {"symbols": [DAILY_LONG], "indicators": ["nope"]},
    {"symbols": ["BAD SYMBOL"]},
])
async def test_bad_batch_requests_are_400(technical_client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    r = await technical_client.post(f"{URL}/batch", json=body)
    assert r.status_code == 400
    assert "error" in r.json()


async def test_missing_api_key_is_a_401(technical_client: httpx.AsyncClient) -> None:
    r = await technical_client.get(f"{URL}/{DAILY_LONG}", headers={"X-API-Key": ""})
    assert r.status_code == 401
