"""Pattern service over HTTP on the real database and Redis: detections, levels, errors, cache, batch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from catalyst.contracts.pattern import PatternsResponse, PatternType

FLAG, ORB, QUIET = "ANFL", "ANOR", "ANQT"  # one-minute sessions stored by conftest.analysis_bars
DAILY_LONG, DAILY_SHORT = "ANLD", "ANLS"
URL = "/api/v1/patterns"


def found(body: dict[str, Any], pattern: PatternType) -> dict[str, Any]:
    matches = [p for p in body["patterns"] if p["pattern"] == pattern.value]
    assert len(matches) == 1, body["patterns"]
    match: dict[str, Any] = matches[0]
    return match


async def test_bull_flag_on_one_minute_bars(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/{FLAG}", params={"timeframe": "1Min", "refresh": "true"})
    assert r.status_code == 200, r.text
    body = PatternsResponse.model_validate(r.json())
    assert body.bars == 70
    assert body.as_of.isoformat() == "2024-07-01T14:39:00+00:00"
    assert PatternType.OPENING_RANGE_BREAKOUT in body.checked
    flag = found(r.json(), PatternType.BULL_FLAG)
    assert flag["breakout"] is True
    assert flag["entry"] == pytest.approx(104.95)
    assert flag["stop"] == pytest.approx(103.8)
    assert flag["target"] == pytest.approx(104.95 + 5.10)
    assert flag["started_at"] == "2024-07-01T14:30:00Z"  # the pole's first bar, minute 60
    assert flag["features"]["pole_gain_pct"] == pytest.approx(100 * 5.10 / 99.95)
    assert 0.0 < flag["confidence"] <= 1.0
    confidences = [p["confidence"] for p in r.json()["patterns"]]
    assert confidences == sorted(confidences, reverse=True)


async def test_opening_range_breakout_from_the_session_clock(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/{ORB}", params={"timeframe": "1Min", "patterns": "opening_range_breakout"})
    assert r.status_code == 200, r.text
    orb = found(r.json(), PatternType.OPENING_RANGE_BREAKOUT)
    assert orb["breakout"] is True
    assert orb["entry"] == pytest.approx(100.95)
    assert orb["stop"] == pytest.approx(99.95)
    assert orb["target"] == pytest.approx(101.95)
    assert orb["started_at"] == "2024-07-01T13:30:00Z"
    assert orb["features"]["breakout_volume_ratio"] == pytest.approx(4.0)


async def test_a_quiet_session_has_no_pattern(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/{QUIET}", params={"timeframe": "1Min"})
    assert r.status_code == 200
    assert r.json()["patterns"] == []
    assert len(r.json()["checked"]) == 5


async def test_daily_bars_skip_the_opening_range(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/{DAILY_LONG}", params={"timeframe": "1Day"})
    assert r.status_code == 200
    assert "opening_range_breakout" not in r.json()["checked"]
    asked = await pattern_client.get(f"{URL}/{DAILY_LONG}",
                                     params={"timeframe": "1Day", "patterns": "opening_range_breakout"})
    assert asked.status_code == 400
    assert asked.json()["error"]["details"]["allowed"] == ["1Min", "5Min", "15Min"]


async def test_second_call_is_served_from_redis(pattern_client: httpx.AsyncClient) -> None:
    def hits() -> float:
        return REGISTRY.get_sample_value(
            "catalyst_cache_requests_total", {"namespace": "patterns", "tier": "warm", "result": "hit"}) or 0.0

    params = {"timeframe": "1Min", "bars": "65"}
    first = await pattern_client.get(f"{URL}/{FLAG}", params={**params, "refresh": "true"})
    before = hits()
    second = await pattern_client.get(f"{URL}/{FLAG}", params=params)
    assert first.json()["cached"] is False
    assert second.json()["cached"] is True
    assert hits() == before + 1
    assert second.json()["patterns"] == first.json()["patterns"]


async def test_too_few_bars_for_a_pattern(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/{DAILY_SHORT}", params={"timeframe": "1Day", "bars": "20"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "INSUFFICIENT_DATA"
    assert error["details"]["pattern"] == "cup_and_handle"
    assert error["details"]["required"] == 42
    assert error["details"]["available"] == 20
    ok = await pattern_client.get(f"{URL}/{DAILY_SHORT}",
                                  params={"timeframe": "1Day", "bars": "20", "patterns": "bull_flag,abcd"})
    assert ok.status_code == 200


async def test_unknown_symbol_is_a_404(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/NOSUCH", params={"timeframe": "1Min"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "UNKNOWN_SYMBOL"


async def test_unsupported_timeframe_names_the_allowed_ones(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/{FLAG}", params={"timeframe": "30Min"})
    assert r.status_code == 400
    assert r.json()["error"]["details"]["allowed"] == ["1Min", "5Min", "15Min", "1Hour", "1Day"]


async def test_unknown_pattern_is_a_400(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.get(f"{URL}/{FLAG}", params={"timeframe": "1Min", "patterns": "head_and_shoulders"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "UNKNOWN_PATTERN"


async def test_batch_matches_single_calls(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.post(f"{URL}/batch", json={
        "symbols": [FLAG, ORB, QUIET, "NOSUCH"], "timeframe": "1Min", "refresh": True})
    assert r.status_code == 200, r.text
    out = r.json()
    assert list(out["results"]) == [FLAG, ORB, QUIET]
    assert out["errors"]["NOSUCH"]["code"] == "UNKNOWN_SYMBOL"
    for symbol in (FLAG, ORB, QUIET):
        single = (await pattern_client.get(f"{URL}/{symbol}", params={"timeframe": "1Min",
                                                                      "refresh": "true"})).json()
        assert out["results"][symbol]["patterns"] == single["patterns"], symbol


async def test_bad_batch_is_a_400(pattern_client: httpx.AsyncClient) -> None:
    r = await pattern_client.post(f"{URL}/batch", json={"symbols": [FLAG], "timeframe": "1Week"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "UNSUPPORTED_TIMEFRAME"
