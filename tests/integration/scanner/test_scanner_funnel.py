"""The funnel on crafted data (``conftest.py``): each stage drops its symbol for its reason, the
scan is stored and read back, the verdicts say where and why, and bad requests are 4xx envelopes."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from typing import Any

from catalyst.bus import Channel, EventBus, ScanComplete
from catalyst.cache import Cache, CacheTier
from catalyst.contracts.scanner import ScanResult, StageCount
from catalyst.db import Database
from catalyst.scanner.evidence import HEADLINES_NS, KEPT_NEWS_NS, KeptCatalysts, KeptHeadline
from catalyst.scanner.repository import ScanRepository
from catalyst.services import Operator, ServiceName
from tests.integration.scanner.conftest import HEADLINES, NOW, SHAPES, ScannerFactory

# symbol -> (stage, metric, comparison, threshold); value checked separately where it is exact
EXPECTED_DROPS: dict[str, tuple[str, str, str, float]] = {
    "SCPNY": ("universe", "price", ">", 5.0),
    "SCTHN": ("universe", "avg_volume", ">", 1_000_000.0),
    "SCNOB": ("universe", "daily_bars", ">=", 1.0),  # news, but no bars
    "SCDUL": ("catalyst", "catalyst_strength", ">", 0.7),
    "SCHOT": ("technical", "rsi_14", "<=", 70.0),
    "SCWEK": ("pattern", "pattern_confidence", ">", 0.7),
    "SCGOB": ("final", "rank", "<=", 1.0),
}


async def start(client: Any, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/scan/start", json={"universe_size": 50, **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_each_stage_drops_its_symbol_for_its_reason(scanner: ScannerFactory, scanner_db: Database) -> None:
    async with scanner(settings={"SCANNER_FINAL_COUNT": "1"}) as client:
        result = await start(client)
        assert result["status"] == "completed"
        assert result["as_of"] == NOW.isoformat().replace("+00:00", "Z")
        assert result["warnings"] == []
        assert [(s["stage"], s["entered"], s["passed"]) for s in result["stages"]] == [
            ("universe", 8, 5), ("catalyst", 5, 4), ("technical", 4, 3), ("pattern", 3, 2), ("final", 2, 1)]
        assert set(result["timings_ms"]) == {"universe", "news", "catalyst", "technical", "pattern", "final",
                                             "headlines", "store"}

        [top] = result["candidates"]
        assert top["symbol"] == "SCGOA"
        assert top["rank"] == 1
        assert top["pattern"] == "bull_flag"
        assert top["catalyst_type"] == "fda"
        assert top["headline"] == HEADLINES["SCGOA"]  # asked for the candidate alone: the listing has none
        assert top["price"] == 25.09
        assert top["risk_reward"] == round((top["target"] - top["entry"]) / (top["entry"] - top["stop"]), 4)
        assert 0 < top["composite_score"] <= 1

        for symbol, (stage, metric, comparison, threshold) in EXPECTED_DROPS.items():
            verdict = (await client.get(f"/api/v1/scan/{result['scan_id']}/symbols/{symbol}")).json()
            assert verdict["dropped_at"] == stage, (symbol, verdict)
            assert verdict["reached"] == stage
            reason = verdict["reason"]
            assert (reason["metric"], reason["comparison"], reason["threshold"]) == (metric, comparison, threshold), \
                (symbol, reason)
            assert verdict["candidate"] is None

        def reason(symbol: str) -> dict[str, Any]:
            found: dict[str, Any] = next(v for v in verdicts if v["symbol"] == symbol)["reason"]
            return found

        verdicts = [(await client.get(f"/api/v1/scan/latest/symbols/{s.lower()}")).json() for s in SHAPES
                    if s != "SCQUT"]
        quiet = await client.get("/api/v1/scan/latest/symbols/SCQUT")  # its one story is 40 h old
        assert (quiet.status_code, quiet.json()["error"]["code"]) == (404, "SYMBOL_NOT_SCANNED")
        assert reason("SCPNY")["value"] == 3.806
        assert reason("SCPNY")["message"] == "price 3.806 is not > 5"
        assert reason("SCTHN")["value"] == 500_000
        assert "500,000 is not > 1,000,000" in reason("SCTHN")["message"]
        assert reason("SCHOT")["value"] > 70
        assert 0.4 < reason("SCWEK")["value"] < 0.7
        assert reason("SCGOB")["value"] == 2
        winner = next(v for v in verdicts if v["symbol"] == "SCGOA")
        assert winner["dropped_at"] is None
        assert winner["reason"] is None
        assert winner["reached"] == "final"
        assert winner["candidate"] == top

    async with scanner_db.acquire() as conn:
        rows = await conn.fetch("""SELECT s.symbol, r.stage, r.rank, r.composite_score, r.details
                                   FROM scan_results r JOIN securities s USING (security_id)
                                   WHERE r.scan_id = $1""", uuid.UUID(result["scan_id"]))
        header = await conn.fetchrow("SELECT * FROM scans WHERE scan_id = $1", uuid.UUID(result["scan_id"]))
    stored = {r["symbol"]: r for r in rows}
    assert set(stored) == set(SHAPES) - {"SCQUT"} | {"SCNOB"}  # the universe holds the symbols with news
    assert {s: stored[s]["stage"] for s in EXPECTED_DROPS} == {s: e[0] for s, e in EXPECTED_DROPS.items()}
    assert stored["SCGOA"]["stage"] == "final"
    assert stored["SCGOA"]["rank"] == 1
    assert stored["SCGOB"]["rank"] == 2
    assert float(stored["SCGOB"]["composite_score"]) > 0
    assert json.loads(stored["SCGOA"]["details"])["passed"] is True
    assert json.loads(stored["SCHOT"]["details"])["evidence"]["technical"]["rsi_14"] > 70
    assert json.loads(header["stages"]) == result["stages"]


async def test_the_universe_is_the_most_liquid_symbols_with_news(scanner: ScannerFactory,
                                                                 scanner_db: Database) -> None:
    """By dollar volume: SCGOB, SCHOT, SCDUL, SCGOA, SCQUT (no news), SCWEK, SCTHN, SCPNY. A universe
    of 5 is the 5 most liquid with news, so SCWEK, sixth of all, is in and SCQUT out. A symbol cut
    only by the size is kept on the scan's header, not as a row of its own, and answered from there."""
    async with scanner(settings={"SCANNER_MIN_UNIVERSE": "1"}) as client:
        five = await start(client, universe_size=5)
        four = await start(client, universe_size=4)
        verdicts = {s: (await client.get(f"/api/v1/scan/{four['scan_id']}/symbols/{s}")).json()
                    for s in ("SCGOA", "SCWEK", "SCPNY")}
        latest = (await client.get("/api/v1/scan/latest/symbols/SCWEK")).json()
    async with scanner_db.acquire() as conn:
        header = await conn.fetchrow("SELECT universe_cap, universe_cut FROM scans WHERE scan_id = $1",
                                     uuid.UUID(four["scan_id"]))
        rows = await conn.fetchval("SELECT count(*) FROM scan_results r JOIN securities s USING (security_id)"
                                   " WHERE r.scan_id = $1 AND s.symbol = 'SCWEK'", uuid.UUID(four["scan_id"]))
    assert (header["universe_cap"], header["universe_cut"], rows) == (4, ["SCWEK"], 0)
    assert latest == verdicts["SCWEK"]
    assert five["stages"][0] == {"stage": "universe", "entered": 8, "passed": 5}
    assert five["stages"][1] == {"stage": "catalyst", "entered": 5, "passed": 4}  # SCDUL's news is weak
    assert [c["symbol"] for c in five["candidates"]] == ["SCGOA", "SCGOB"]
    assert four["stages"][0] == {"stage": "universe", "entered": 8, "passed": 4}
    assert verdicts["SCGOA"]["reached"] == "final"
    assert verdicts["SCPNY"]["reason"]["metric"] == "price"  # checked before the cap
    assert (verdicts["SCWEK"]["dropped_at"], verdicts["SCWEK"]["reason"]["metric"],
            verdicts["SCWEK"]["reason"]["value"], verdicts["SCWEK"]["reason"]["threshold"]) == (
        "universe", "liquidity_rank", 5, 4)


async def test_the_top_five_by_default_are_ranked_by_composite_score(scanner: ScannerFactory) -> None:
    async with scanner() as client:
        result = await start(client)
    candidates = result["candidates"]
    assert [c["symbol"] for c in candidates] == ["SCGOA", "SCGOB"]  # only two pass; the top 5 keeps both
    assert [c["rank"] for c in candidates] == [1, 2]
    assert candidates[0]["composite_score"] >= candidates[1]["composite_score"]


async def test_a_scan_is_stored_and_read_back_by_id_and_as_latest(scanner: ScannerFactory,
                                                                  scanner_db: Database) -> None:
    async with scanner_db.acquire() as conn:
        await conn.execute("DELETE FROM scans")
    async with scanner() as client:
        none_yet = await client.get("/api/v1/scan/latest")
        assert none_yet.status_code == 404
        assert none_yet.json()["error"]["code"] == "NO_SCAN"
        assert (await client.get("/api/v1/scan/latest/symbols/SCGOA")).json()["error"]["code"] == "NO_SCAN"

        first = await start(client)
        second = await start(client, symbols=["scgoa", "SCHOT", "SCZZZ"])
        assert (await client.get(f"/api/v1/scan/{first['scan_id']}")).json() == first
        assert (await client.get("/api/v1/scan/latest")).json() == second
        assert second["stages"][0] == {"stage": "universe", "entered": 3, "passed": 2}
        unknown = (await client.get("/api/v1/scan/latest/symbols/SCZZZ")).json()
        assert unknown["dropped_at"] == "universe"
        assert unknown["reason"]["metric"] == "daily_bars"

        missing = await client.get(f"/api/v1/scan/{uuid.uuid4()}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "UNKNOWN_SCAN"
        never = await client.get(f"/api/v1/scan/{uuid.uuid4()}/symbols/SCGOA")
        assert (never.status_code, never.json()["error"]["code"]) == (404, "UNKNOWN_SCAN")
        outside = await client.get(f"/api/v1/scan/{second['scan_id']}/symbols/SCGOB")
        assert outside.status_code == 404
        assert outside.json()["error"] == {
            "code": "SYMBOL_NOT_SCANNED", "message": f"SCGOB was not in scan {second['scan_id']}'s universe",
            "details": {"scan_id": second["scan_id"], "symbol": "SCGOB"}}
        malformed = await client.get("/api/v1/scan/latest/symbols/not a symbol!")
        assert malformed.status_code == 400


async def test_universe_size_outside_50_to_200_is_refused(scanner: ScannerFactory) -> None:
    async with scanner() as client:
        for size in (49, 201, -1):
            response = await client.post("/api/v1/scan/start", json={"universe_size": size})
            assert response.status_code == 400
            assert response.json() == {"error": {
                "code": "INVALID_UNIVERSE_SIZE", "message": "Universe size must be between 50 and 200",
                "details": {"provided": size, "min": 50, "max": 200}}}
        assert (await client.post("/api/v1/scan/start", json={"universe_size": 200})).status_code == 200
        wrong_type = await client.post("/api/v1/scan/start", json={"universe_size": "many"})
        assert wrong_type.status_code == 400
        assert wrong_type.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_a_scan_names_its_cycle_which_must_exist(scanner: ScannerFactory, scanner_db: Database) -> None:
    async with scanner_db.acquire() as conn:
        cycle_id = await conn.fetchval("INSERT INTO trading_cycles (cycle_date, mode) VALUES ($1, 'paper')"
                                       " RETURNING cycle_id", date(2024, 8, 8))
    async with scanner() as client:
        result = await start(client, cycle_id=str(cycle_id))
        assert result["cycle_id"] == str(cycle_id)
        unknown = await client.post("/api/v1/scan/start", json={"cycle_id": str(uuid.uuid4())})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "UNKNOWN_CYCLE"
    async with scanner_db.acquire() as conn:
        cycles = await conn.fetch("SELECT DISTINCT cycle_id FROM scan_results WHERE scan_id = $1",
                                  uuid.UUID(result["scan_id"]))
    assert [r["cycle_id"] for r in cycles] == [cycle_id]


async def test_scan_complete_is_published_once_stored(scanner: ScannerFactory, redis_client: Any,
                                                      scanner_settings: Any) -> None:
    namespace = scanner_settings(ServiceName.SCANNER).redis_namespace
    subscription = await EventBus(redis_client, namespace).open_subscription(Channel.SCAN_COMPLETE)
    try:
        async with scanner() as client:
            result = await start(client)
        event = await asyncio.wait_for(anext(subscription.events()), 10)
    finally:
        await subscription.aclose()
    assert isinstance(event, ScanComplete)
    assert event.scan_id == result["scan_id"]
    assert event.candidates_count == 2
    assert event.symbols == ["SCGOA", "SCGOB"]
    assert event.timestamp == NOW  # market time, not the wall clock


async def test_reads_are_open_to_overseers_and_scans_to_workflow_only(scanner: ScannerFactory) -> None:
    async with scanner(caller=Operator.OPERATOR) as client:
        assert (await client.get("/api/v1/scan/latest")).status_code in (200, 404)
        refused = await client.post("/api/v1/scan/start", json={"universe_size": 50})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "FORBIDDEN_CALLER"


async def test_the_last_good_news_answer_is_kept_in_redis(scanner: ScannerFactory, scanner_settings: Any,
                                                          redis_client: Any) -> None:
    async with scanner() as client:
        await start(client)
    cache = Cache(redis_client, scanner_settings(ServiceName.SCANNER).redis_namespace)
    symbols = ["SCGOA", "SCGOB", "SCDUL", "SCQUT"]
    kept = await cache.get_many([(KEPT_NEWS_NS, s) for s in symbols], KeptCatalysts, CacheTier.COLD)
    by_symbol = dict(zip(symbols, kept, strict=True))
    assert all(k is not None and k.until == NOW for k in kept)
    assert {s for s, k in by_symbol.items() if k is not None and k.catalysts is not None} == {"SCGOA", "SCGOB",
                                                                                              "SCDUL"}
    quiet = by_symbol["SCQUT"]
    assert quiet is not None
    assert quiet.catalysts is None  # no catalyst in the window: kept as such
    assert all(k.catalysts.headline is None for k in kept if k is not None and k.catalysts is not None)


async def test_the_candidates_headlines_are_kept_with_their_events(scanner: ScannerFactory, scanner_settings: Any,
                                                                    redis_client: Any) -> None:
    async with scanner() as client:
        result = await start(client)
    assert [c["symbol"] for c in result["candidates"]] == ["SCGOA", "SCGOB"]
    cache = Cache(redis_client, scanner_settings(ServiceName.SCANNER).redis_namespace)
    symbols = ["SCGOA", "SCGOB", "SCDUL"]
    news = await cache.get_many([(KEPT_NEWS_NS, s) for s in symbols], KeptCatalysts, CacheTier.COLD)
    headlines = await cache.get_many([(HEADLINES_NS, s) for s in symbols], KeptHeadline, CacheTier.COLD)
    assert [h and h.headline for h in headlines] == [HEADLINES["SCGOA"], HEADLINES["SCGOB"], None]  # candidates'
    assert [h and h.event_id for h in headlines[:2]] == [k and k.catalysts and k.catalysts.event_id for k in news[:2]]


async def test_a_scan_that_held_no_symbol_is_stored_with_its_store_timing(scanner_db: Database) -> None:
    repository = ScanRepository(scanner_db)
    result = ScanResult(scan_id=uuid.uuid4(), as_of=NOW, started_at=NOW, finished_at=NOW, universe_size=50,
                        stages=[StageCount(stage="universe", entered=0, passed=0)], candidates=[],
                        timings_ms={"universe": 1.5})
    took = await repository.save(result, [])
    assert took > 0
    assert (await repository.get(result.scan_id)).timings_ms == {"universe": 1.5, "store": took}
