"""A source that is down degrades the scan as spec 8.2 says, never fails it: News down → the last
good catalyst answer (kept in Redis), a warning and a smaller universe; Technical or Pattern down →
a warning and that stage's symbols dropped with "source unavailable"."""

from __future__ import annotations

import uuid
from typing import Any

from catalyst.cache import Cache, CacheTier
from catalyst.clients.news import NewsClient
from catalyst.clients.pattern import PatternClient
from catalyst.clients.technical import TechnicalClient
from catalyst.config import Settings
from catalyst.environment import read
from catalyst.http import ServiceClient
from catalyst.scanner.config import ScannerSettings
from catalyst.scanner.evidence import HEADLINES_NS, EvidenceSources, KeptHeadline
from catalyst.scanner.stages import NewsFacts
from catalyst.services import ServiceName
from tests.integration.scanner.conftest import NOW, ScannerFactory

UNREACHABLE = "http://127.0.0.1:1"  # nothing listens on port 1: connection refused at once


def dead(settings: Settings, service: ServiceName) -> ServiceClient:
    return ServiceClient(service, UNREACHABLE, settings.api_key(ServiceName.SCANNER), attempts=1, timeout=2.0)


async def scan(client: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/scan/start", json={"universe_size": 50})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def verdicts(client: Any, result: dict[str, Any], symbols: list[str]) -> dict[str, dict[str, Any]]:
    return {s: (await client.get(f"/api/v1/scan/{result['scan_id']}/symbols/{s}")).json() for s in symbols}


async def test_news_down_uses_the_cached_answer_and_a_smaller_universe(scanner: ScannerFactory,
                                                                      scanner_settings: Any) -> None:
    settings = scanner_settings(ServiceName.SCANNER)
    async with scanner() as client:
        good = await scan(client)
    # 0.08 of 50: with News down only the 4 most liquid symbols with news may enter
    async with scanner(news=NewsClient(dead(settings, ServiceName.NEWS)),
                       settings={"SCANNER_DEGRADED_UNIVERSE_FRACTION": "0.08"}) as client:
        degraded = await scan(client)
        [warning] = degraded["warnings"]
        assert warning.startswith("news unavailable (UPSTREAM_UNREACHABLE): used the cached catalysts")
        assert "universe reduced" in warning
        assert [c["symbol"] for c in degraded["candidates"]] == [c["symbol"] for c in good["candidates"]]
        assert degraded["candidates"][0]["headline"] == good["candidates"][0]["headline"]
        by_symbol = await verdicts(client, degraded, ["SCGOA", "SCGOB", "SCPNY", "SCTHN", "SCQUT", "SCDUL",
                                                      "SCHOT", "SCWEK"])
    cut = {s: v["reason"] for s, v in by_symbol.items() if v["reason"] and v["reason"]["metric"] == "liquidity_rank"}
    # by dollar volume SCGOB, SCHOT, SCDUL, SCGOA, SCWEK have news (SCQUT none; SCPNY, SCTHN fail price, volume)
    assert cut == {"SCWEK": {"metric": "liquidity_rank", "value": 5, "threshold": 4, "comparison": "<=",
                             "message": "ranked 5 by liquidity of the symbols with news; the universe keeps the 4 "
                                        "most liquid"}}
    assert by_symbol["SCQUT"]["reason"]["metric"] == "news_events"
    assert by_symbol["SCPNY"]["reason"]["metric"] == "price"
    assert degraded["stages"][0] == {"stage": "universe", "entered": 8, "passed": 4}


async def test_a_small_scan_leaves_the_universe_s_cached_news_in_place(scanner: ScannerFactory,
                                                                        scanner_settings: Any) -> None:
    settings = scanner_settings(ServiceName.SCANNER)
    async with scanner() as client:
        good = await scan(client)
        small = await client.post("/api/v1/scan/start", json={"universe_size": 50, "symbols": ["SCGOA"]})
        assert small.status_code == 200, small.text
    async with scanner(news=NewsClient(dead(settings, ServiceName.NEWS))) as client:
        degraded = await scan(client)
        [warning] = degraded["warnings"]
        by_symbol = await verdicts(client, degraded, ["SCGOB", "SCDUL"])
    assert "cached catalysts of 6 of 6 symbol(s)" in warning  # News is asked about the liquid ones only
    assert [c["symbol"] for c in degraded["candidates"]] == [c["symbol"] for c in good["candidates"]]
    assert by_symbol["SCGOB"]["candidate"]["headline"] == "SCGOB wins $200 million Navy contract"
    assert by_symbol["SCDUL"]["dropped_at"] == "catalyst"  # its kept story, judged again


async def test_with_news_down_a_candidate_shows_the_headline_kept_for_its_own_event_only(
        scanner_settings: Any, redis_client: Any) -> None:
    settings = scanner_settings(ServiceName.SCANNER)
    cache = Cache(redis_client, settings.redis_namespace)
    sources = EvidenceSources(NewsClient(dead(settings, ServiceName.NEWS)),
                              TechnicalClient(dead(settings, ServiceName.TECHNICAL)),
                              PatternClient(dead(settings, ServiceName.PATTERN)), cache, read(ScannerSettings, {}))
    judged, older = uuid.uuid4(), uuid.uuid4()
    await cache.set_many([(HEADLINES_NS, "SCGOA", KeptHeadline(event_id=judged, headline="SCGOA's kept story")),
                          (HEADLINES_NS, "SCGOB", KeptHeadline(event_id=older, headline="SCGOB's older story"))],
                         CacheTier.COLD)

    def facts(event_id: uuid.UUID, headline: str | None = None) -> NewsFacts:
        return NewsFacts(strength=0.9, sentiment=0.6, published_at=NOW, events=1, catalyst_type="fda",
                         event_id=event_id, headline=headline)

    found = await sources.headlines({"SCGOA": facts(judged), "SCGOB": facts(uuid.uuid4()),
                                     "SCHOT": facts(uuid.uuid4(), "SCHOT's own story")}, NOW)
    assert found == {"SCGOA": "SCGOA's kept story", "SCHOT": "SCHOT's own story"}  # SCGOB's kept one is another's


async def test_news_down_without_a_cached_answer_drops_the_universe_with_the_reason(
        scanner: ScannerFactory, scanner_settings: Any) -> None:
    settings = scanner_settings(ServiceName.SCANNER)
    async with scanner(news=NewsClient(dead(settings, ServiceName.NEWS))) as client:
        result = await scan(client)
        assert result["warnings"] == ["news unavailable (UPSTREAM_UNREACHABLE) and no cached news: no symbol has news"]
        assert result["candidates"] == []
        assert result["stages"][0] == {"stage": "universe", "entered": 8, "passed": 0}
        reason = (await verdicts(client, result, ["SCGOA"]))["SCGOA"]["reason"]
    assert reason["metric"] == "source"
    assert reason["value"] == "news"
    assert reason["comparison"] == "available"
    assert reason["message"].startswith("source unavailable: news (UPSTREAM_UNREACHABLE")


async def test_technical_down_drops_its_stage_with_source_unavailable(scanner: ScannerFactory,
                                                                      scanner_settings: Any) -> None:
    settings = scanner_settings(ServiceName.SCANNER)
    async with scanner(technical=TechnicalClient(dead(settings, ServiceName.TECHNICAL))) as client:
        result = await scan(client)
        assert result["warnings"] == ["technical unavailable (UPSTREAM_UNREACHABLE): its stage's 4 symbol(s) dropped"]
        assert [(s["stage"], s["entered"], s["passed"]) for s in result["stages"]][2:] == [
            ("technical", 4, 0), ("pattern", 0, 0), ("final", 0, 0)]
        by_symbol = await verdicts(client, result, ["SCGOA", "SCGOB", "SCHOT", "SCWEK"])
    for verdict in by_symbol.values():
        assert verdict["dropped_at"] == "technical"
        assert verdict["reason"]["metric"] == "source"
        assert verdict["reason"]["value"] == "technical"


async def test_pattern_down_drops_its_stage_with_source_unavailable(scanner: ScannerFactory,
                                                                    scanner_settings: Any) -> None:
    settings = scanner_settings(ServiceName.SCANNER)
    async with scanner(pattern=PatternClient(dead(settings, ServiceName.PATTERN))) as client:
        result = await scan(client)
        assert result["warnings"] == ["pattern unavailable (UPSTREAM_UNREACHABLE): its stage's 3 symbol(s) dropped"]
        assert result["stages"][3] == {"stage": "pattern", "entered": 3, "passed": 0}
        by_symbol = await verdicts(client, result, ["SCGOA", "SCHOT"])
    assert by_symbol["SCGOA"]["reason"]["value"] == "pattern"
    assert by_symbol["SCHOT"]["dropped_at"] == "technical"  # dropped before Pattern was asked
