"""SEC EDGAR adapter against a local server speaking data.sec.gov's submissions JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from catalyst.domain.news import CatalystType
from catalyst.news.classify import classify
from catalyst.news_sources.base import NewsSourceSettings, SourceError
from catalyst.news_sources.sec_edgar import SecEdgarSource

SINCE = datetime(2025, 3, 1, tzinfo=UTC)
UNTIL = datetime(2025, 3, 31, tzinfo=UTC)
UA = "Catalyst Tests tests@example.com"


def columns(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    keys = ["accessionNumber", "filingDate", "reportDate", "acceptanceDateTime", "act", "form", "fileNumber",
            "filmNumber", "items", "size", "isXBRL", "isInlineXBRL", "primaryDocument", "primaryDocDescription"]
    out: dict[str, list[str]] = {k: [] for k in keys}
    for r in rows:
        for k in keys:
            out[k].append(r.get(k, ""))
    return out


def filing(acc: str, form: str, accepted: str, items: str = "", doc: str = "d8k.htm") -> dict[str, str]:
    return {"accessionNumber": acc, "form": form, "acceptanceDateTime": accepted, "items": items,
            "filingDate": accepted[:10], "primaryDocument": doc}


@pytest.fixture
def tickers_file(tmp_path):
    path = tmp_path / "company_tickers.json"
    path.write_text(json.dumps({
        "0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."},
        "1": {"cik_str": 789019, "ticker": "MSFT", "title": "MICROSOFT CORP"},
    }))
    return path


def settings_for(url: str, tickers_file: Path, **env: Any) -> NewsSourceSettings:
    values: dict[str, Any] = {"SEC_EDGAR_URL": url, "SEC_EDGAR_USER_AGENT": UA,
                              "SEC_EDGAR_TICKERS_FILE": str(tickers_file)}
    values.update(env)
    return NewsSourceSettings(**values)


def apple_submissions(recent_rows: list[dict[str, str]], files: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"cik": "320193", "name": "Apple Inc.", "tickers": ["AAPL"], "exchanges": ["Nasdaq"],
            "filings": {"recent": columns(recent_rows), "files": list(files)}}


async def test_8k_filings_become_stories_and_older_pages_are_followed(wire_server, recording_sleep, tickers_file):
    recent = [
        filing("0000320193-25-000010", "8-K", "2025-03-20T16:30:31.000Z", "2.02,9.01"),
        filing("0000320193-25-000009", "10-Q", "2025-03-15T16:05:00.000Z"),
        filing("0000320193-25-000008", "8-K", "2025-03-10T20:00:00.000Z", "5.02"),
    ]
    older = columns([filing("0000320193-25-000004", "8-K", "2025-03-02T13:00:00.000Z", "2.01,9.01"),
                     filing("0000320193-24-000099", "8-K", "2025-02-01T13:00:00.000Z", "8.01")])
    files = [{"name": "CIK0000320193-submissions-001.json", "filingCount": 2, "filingFrom": "2025-01-01",
              "filingTo": "2025-03-05"},
             {"name": "CIK0000320193-submissions-000.json", "filingCount": 900, "filingFrom": "1994-01-26",
              "filingTo": "2024-12-31"}]

    def route(seen):
        if seen.path == "/submissions/CIK0000320193.json":
            return 200, {}, apple_submissions(recent, files)
        if seen.path == "/submissions/CIK0000320193-submissions-001.json":
            return 200, {}, older
        return 404, {}, "Not Found"

    wire_server.route = route
    source = SecEdgarSource(settings_for(wire_server.url, tickers_file), sleep=recording_sleep)
    batch = await source.fetch(["AAPL", "ZZZZ"], SINCE, UNTIL)   # ZZZZ has no CIK: not asked for
    await source.aclose()

    assert [i.source_id for i in batch.items] == ["0000320193-25-000010", "0000320193-25-000008",
                                                  "0000320193-25-000004"]
    first = batch.items[0]
    assert first.headline == "Apple Inc. files 8-K: Results of Operations and Financial Condition"
    assert first.url == "https://www.sec.gov/Archives/edgar/data/320193/000032019325000010/d8k.htm"
    assert first.published_at == datetime(2025, 3, 20, 16, 30, 31, tzinfo=UTC)
    assert first.symbols == ["AAPL"]
    assert classify(batch.items[1].headline).catalyst_type is CatalystType.MANAGEMENT_CHANGE
    assert classify(batch.items[2].headline).catalyst_type is CatalystType.MERGER_ACQUISITION
    assert [s.path for s in wire_server.seen] == ["/submissions/CIK0000320193.json",
                                                  "/submissions/CIK0000320193-submissions-001.json"]
    assert all(s.headers["user-agent"] == UA for s in wire_server.seen)


async def test_rate_limit_then_success(wire_server, recording_sleep, tickers_file):
    answers = iter([(429, {"Retry-After": "1"}, "<html>Request Rate Threshold Exceeded</html>"),
                    (200, {}, apple_submissions([filing("0000320193-25-000010", "8-K",
                                                        "2025-03-20T16:30:31.000Z", "7.01")]))])
    wire_server.route = lambda seen: next(answers)
    source = SecEdgarSource(settings_for(wire_server.url, tickers_file), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.headline for i in batch.items] == ["Apple Inc. files 8-K: Regulation FD Disclosure"]
    assert recording_sleep.waits == [1.0]


async def test_malformed_rows_are_skipped(wire_server, recording_sleep, tickers_file):
    rows = columns([filing("0000320193-25-000010", "8-K", "2025-03-20T16:30:31.000Z", "2.02"),
                    filing("0000320193-25-000011", "8-K", "garbage", "2.02")])
    rows["form"].append("8-K")  # a ragged column: a third accession-less row
    rows["accessionNumber"].append("0000320193-25-000012")  # with no acceptance time
    body = {"cik": "320193", "name": "Apple Inc.", "filings": {"recent": rows, "files": []}}
    wire_server.route = lambda seen: (200, {}, body)
    source = SecEdgarSource(settings_for(wire_server.url, tickers_file), sleep=recording_sleep)
    batch = await source.fetch(["AAPL"], SINCE, UNTIL)
    assert [i.source_id for i in batch.items] == ["0000320193-25-000010"]
    assert batch.skipped == 2


async def test_forbidden_without_retry(wire_server, recording_sleep, tickers_file):
    wire_server.route = lambda seen: (403, {}, "Your request has been identified as part of a network automated tool")
    source = SecEdgarSource(settings_for(wire_server.url, tickers_file), sleep=recording_sleep)
    with pytest.raises(SourceError) as info:
        await source.fetch(["AAPL"], SINCE, UNTIL)
    assert info.value.reason == "http_403"
    assert len(wire_server.seen) == 1


def test_user_agent_and_ticker_map_are_required(tickers_file, tmp_path):
    with pytest.raises(SourceError, match="USER_AGENT"):
        SecEdgarSource(NewsSourceSettings(SEC_EDGAR_TICKERS_FILE=str(tickers_file)))
    with pytest.raises(SourceError, match="cannot read"):
        SecEdgarSource(NewsSourceSettings(SEC_EDGAR_USER_AGENT=UA, SEC_EDGAR_TICKERS_FILE=str(tmp_path / "nope")))

