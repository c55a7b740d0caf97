"""AlpacaBarSource through the real alpaca-py client against a local server speaking Alpaca's wire format."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from catalyst.bar_sources.alpaca import AlpacaBarSource
from catalyst.bar_sources.config import BarSourceSettings
from catalyst.bar_sources.factory import bar_source_from_settings
from catalyst.config import AlpacaCredentials
from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput, RateLimited, UpstreamError
from catalyst.synthetic.sampledata import load_daily

START = datetime(2013, 2, 19, tzinfo=UTC)
END = datetime(2013, 3, 1, 23, 59, tzinfo=UTC)


def wire_bars(symbol: str, first: date = START.date(), last: date = END.date()) -> list[dict[str, object]]:
    """Real daily bars of ``symbol`` as Alpaca's JSON has them (t at midnight New York, in UTC)."""
    h = load_daily()[symbol]
    out = []
    for i, d in enumerate(h.days):
        if first <= d <= last:
            t = daily_bar_time(d).strftime("%Y-%m-%dT%H:%M:%SZ")
            vw = round((h.high[i] + h.low[i] + h.close[i]) / 3, 4)
            out.append({"t": t, "o": h.open[i], "h": h.high[i], "l": h.low[i], "c": h.close[i],
                        "v": int(h.volume[i]), "n": int(h.volume[i] // 180), "vw": vw})
    return out


@pytest.fixture
def source(alpaca_server: Any) -> Iterator[AlpacaBarSource]:
    src = AlpacaBarSource("key-id", "secret-key", url=alpaca_server.url, retry_attempts=2, retry_wait_s=0.01,
                          timeout_s=2.0)
    yield src
    src._clients.shutdown(wait=True)


async def test_pages_are_followed_and_merged(alpaca_server: Any, source: AlpacaBarSource) -> None:
    aapl, msft = wire_bars("AAPL"), wire_bars("MSFT")
    assert len(aapl) == len(msft) == 9
    alpaca_server.script(
        (200, {"bars": {"AAPL": aapl[:5]}, "next_page_token": "QUFQTHxEfDIwMTMtMDItMjY="}),
        (200, {"bars": {"AAPL": aapl[5:], "MSFT": msft}, "next_page_token": None}),
    )
    bars = await source.get_bars(["AAPL", "MSFT"], Timeframe.DAY_1, START, END)

    first, second = alpaca_server.requests
    assert first.path == second.path == "/v2/stocks/bars"
    assert "page_token" not in first.query
    assert second.query["page_token"] == "QUFQTHxEfDIwMTMtMDItMjY="
    for seen in (first, second):
        assert seen.query["symbols"] == "AAPL,MSFT"
        assert seen.query["timeframe"] == "1Day"
        assert seen.query["feed"] == "iex"
        assert seen.query["adjustment"] == "split"
        assert seen.query["limit"] == "10000"
        assert datetime.fromisoformat(seen.query["start"]) == START
        assert datetime.fromisoformat(seen.query["end"]) == END.replace(second=0)
        assert seen.headers["apca-api-key-id"] == "key-id"
        assert seen.headers["apca-api-secret-key"] == "secret-key"

    assert [len(bars["AAPL"]), len(bars["MSFT"])] == [9, 9]
    last = bars["AAPL"][-1]
    assert last.ts == datetime(2013, 3, 1, 5, 0, tzinfo=UTC)
    assert (last.open, last.high, last.low, last.close, last.volume) == (
        aapl[-1]["o"], aapl[-1]["h"], aapl[-1]["l"], aapl[-1]["c"], aapl[-1]["v"])
    assert last.vwap == aapl[-1]["vw"]
    assert last.trade_count == aapl[-1]["n"]
    assert [b.ts for b in bars["AAPL"]] == sorted(b.ts for b in bars["AAPL"])


async def test_rate_limit_then_success(alpaca_server: Any, source: AlpacaBarSource) -> None:
    alpaca_server.script((429, {"code": 42910000, "message": "rate limit exceeded"}),
                         (200, {"bars": {"IBM": wire_bars("IBM")}, "next_page_token": None}))
    bars = await source.get_bars(["IBM"], "1Day", START, END)
    assert len(alpaca_server.requests) == 2
    assert len(bars["IBM"]) == 9


async def test_rate_limit_that_outlasts_the_retries(alpaca_server: Any,
                                                   source: AlpacaBarSource) -> None:
    alpaca_server.script((429, {"code": 42910000, "message": "rate limit exceeded"}))
    with pytest.raises(RateLimited) as err:
        await source.get_bars(["IBM"], "1Day", START, END)
    assert err.value.code == "ALPACA_RATE_LIMITED"
    assert len(alpaca_server.requests) == 3  # the first try and two retries


@pytest.mark.parametrize(("status", "error", "code"), [
    (401, UpstreamError, "ALPACA_AUTH_FAILED"),
    (403, UpstreamError, "ALPACA_AUTH_FAILED"),
    (422, InvalidInput, "ALPACA_REJECTED"),
    (400, InvalidInput, "ALPACA_REJECTED"),
    (500, UpstreamError, "ALPACA_ERROR"),
])
async def test_errors_are_translated(alpaca_server: Any, source: AlpacaBarSource, status: int,
                                     error: type[Exception], code: str) -> None:
    alpaca_server.script((status, {"code": status * 100000, "message": "request is not authorized"}))
    with pytest.raises(error) as err:
        await source.get_bars(["IBM"], "1Day", START, END)
    assert getattr(err.value, "code", None) == code
    assert len(alpaca_server.requests) == 1  # only 429 and 504 are retried


async def test_invalid_bar_from_upstream_is_refused(alpaca_server: Any,
                                                    source: AlpacaBarSource) -> None:
    bad = wire_bars("IBM")
    bad[3]["h"] = float(bad[3]["l"]) - 1.0  # type: ignore[arg-type]
    alpaca_server.script((200, {"bars": {"IBM": bad}, "next_page_token": None}))
    with pytest.raises(UpstreamError) as err:
        await source.get_bars(["IBM"], "1Day", START, END)
    assert err.value.code == "ALPACA_BAD_RESPONSE"
    assert err.value.details["row"] == 3


async def test_malformed_answer_is_an_upstream_error(alpaca_server: Any,
                                                     source: AlpacaBarSource) -> None:
    alpaca_server.script((200, {"unexpected": []}))
    with pytest.raises(UpstreamError) as err:
        await source.get_bars(["IBM"], "1Day", START, END)
    assert err.value.code == "ALPACA_BAD_RESPONSE"


async def test_unreachable_server() -> None:
    src = AlpacaBarSource("k", "s", url="http://127.0.0.1:9", retry_attempts=0, timeout_s=1.0)
    with pytest.raises(UpstreamError) as err:
        await src.get_bars(["IBM"], "1Day", START, END)
    assert err.value.code == "ALPACA_UNREACHABLE"
    await src.aclose()


async def test_slow_server_times_out(alpaca_server: Any) -> None:
    def slow(_: Any) -> tuple[int, object]:
        time.sleep(1.0)  # the behaviour under test: a server slower than the client's timeout
        return 200, {"bars": {}, "next_page_token": None}

    alpaca_server.script(slow)
    src = AlpacaBarSource("k", "s", url=alpaca_server.url, retry_attempts=0, timeout_s=0.2)
    with pytest.raises(UpstreamError) as err:
        await src.get_bars(["IBM"], "1Day", START, END)
    assert err.value.code == "ALPACA_TIMEOUT"
    await src.aclose()


@pytest.mark.parametrize(("timeframe", "wire"), [
    (Timeframe.MIN_1, "1Min"), (Timeframe.MIN_5, "5Min"), (Timeframe.MIN_15, "15Min"),
    (Timeframe.HOUR_1, "1Hour"), (Timeframe.DAY_1, "1Day"),
])
async def test_timeframes_on_the_wire(alpaca_server: Any, source: AlpacaBarSource,
                                      timeframe: Timeframe, wire: str) -> None:
    alpaca_server.script((200, {"bars": {}, "next_page_token": None}))
    bars = await source.get_bars(["IBM"], timeframe, START, END)
    assert alpaca_server.requests[0].query["timeframe"] == wire
    assert bars == {"IBM": []}  # a symbol Alpaca has nothing for is still answered


async def test_symbols_go_in_groups(alpaca_server: Any) -> None:
    def answer(seen: Any) -> tuple[int, object]:
        return 200, {"bars": {s: wire_bars(s) for s in seen.query["symbols"].split(",")}, "next_page_token": None}

    alpaca_server.script(answer)
    src = AlpacaBarSource("k", "s", url=alpaca_server.url, symbols_per_request=2)
    bars = await src.get_bars(["aapl", "IBM", "MSFT", "AAPL"], "1Day", START, END)
    assert [r.query["symbols"] for r in alpaca_server.requests] == ["AAPL,IBM", "MSFT"]
    assert {s: len(b) for s, b in bars.items()} == {"AAPL": 9, "IBM": 9, "MSFT": 9}
    await src.aclose()


async def test_built_from_settings(alpaca_server: Any) -> None:
    alpaca_server.script((200, {"bars": {"GOOG": wire_bars("GOOG")}, "next_page_token": None}))
    settings = BarSourceSettings(BAR_SOURCE="alpaca",
                                 alpaca=AlpacaCredentials(api_key="env-key", secret_key="env-secret"),
                                 ALPACA_DATA_URL=alpaca_server.url, ALPACA_DATA_FEED="sip",
                                 ALPACA_ADJUSTMENT="all")
    src = bar_source_from_settings(settings)
    assert isinstance(src, AlpacaBarSource)
    series = await src.get_series(["GOOG"], "1Day", START, END)
    assert len(series["GOOG"]) == 9
    seen = alpaca_server.requests[0]
    assert (seen.query["feed"], seen.query["adjustment"], seen.headers["apca-api-key-id"]) == ("sip", "all", "env-key")
    await src.aclose()


def test_alpaca_settings_need_credentials() -> None:
    with pytest.raises(ValidationError, match="ALPACA_API_KEY"):
        BarSourceSettings(BAR_SOURCE="alpaca")
