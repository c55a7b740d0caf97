"""Historical bars from Alpaca's market-data API through alpaca-py's ``StockHistoricalDataClient``.

* ``GET /v2/stocks/bars`` with ``StockBarsRequest``; alpaca-py follows ``next_page_token`` until
  the last page and merges pages per symbol. Symbols go in groups of ``symbols_per_request``.
* alpaca-py is synchronous (requests): calls run in a small thread pool, one client per worker
  thread (a ``requests.Session`` is not shared between threads), each request with a timeout
  (alpaca-py sets none, so a hung socket would hang the caller).
* alpaca-py retries 429 and 504 itself; attempts and wait come from settings
  (``ALPACA_DATA_RETRY_ATTEMPTS``/``ALPACA_DATA_RETRY_WAIT``; the client takes them only as
  private attributes). A 429 that outlasts them is ``RateLimited``; bad credentials, 5xx,
  timeouts and malformed answers are ``UpstreamError`` (502); a request Alpaca refuses as
  invalid (400/422) is ``InvalidInput``.
* Bars coming back are checked with the bar store's rules before anyone sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import requests
from alpaca.common.exceptions import APIError
from alpaca.data.enums import Adjustment, DataFeed
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.models import BarSet
from alpaca.data.requests import StockBarsRequest
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit
from pydantic import ValidationError

from catalyst.alpaca_common import ClientPool, api_error_body, configure_rest_client
from catalyst.bar_columns import NS_PER_S, BarColumns, reported_by_all, to_ns
from catalyst.bar_sources.base import BarRequest, BarSource
from catalyst.bar_sources.config import BarSourceSettings
from catalyst.db.bar_frame import BarFrame, find_bad_bar
from catalyst.domain.market import Timeframe
from catalyst.errors import CatalystError, InvalidInput, RateLimited, UpstreamError
from catalyst.logging import get_logger

log = get_logger(__name__)

ALPACA_TIMEFRAMES: dict[Timeframe, TimeFrame] = {
    Timeframe.MIN_1: TimeFrame(1, TimeFrameUnit.Minute),
    Timeframe.MIN_5: TimeFrame(5, TimeFrameUnit.Minute),
    Timeframe.MIN_15: TimeFrame(15, TimeFrameUnit.Minute),
    Timeframe.HOUR_1: TimeFrame(1, TimeFrameUnit.Hour),
    Timeframe.DAY_1: TimeFrame(1, TimeFrameUnit.Day),
}


def _alpaca_message(exc: APIError) -> str:
    body = api_error_body(exc)
    return str(body["message"]) if body is not None and "message" in body else str(exc)[:300]


def translate_error(exc: Exception) -> CatalystError | None:
    """The system's error for an alpaca-py / requests failure (None: not one of theirs)."""
    if isinstance(exc, APIError):
        status = exc.status_code or 0
        message = _alpaca_message(exc)
        details = {"status": status, "alpaca_message": message}
        if status == 429:
            return RateLimited("Alpaca rate limit: retries exhausted", code="ALPACA_RATE_LIMITED", details=details)
        if status in (400, 422):
            return InvalidInput(f"Alpaca refused the request: {message}", code="ALPACA_REJECTED", details=details)
        if status in (401, 403):
            return UpstreamError("Alpaca refused the credentials", code="ALPACA_AUTH_FAILED", details=details)
        return UpstreamError(f"Alpaca answered {status}", code="ALPACA_ERROR", details=details)
    if isinstance(exc, requests.Timeout):
        return UpstreamError("Alpaca did not answer in time", code="ALPACA_TIMEOUT")
    if isinstance(exc, requests.RequestException):
        return UpstreamError("Alpaca is unreachable", code="ALPACA_UNREACHABLE", details={"error": str(exc)[:300]})
    if isinstance(exc, ValueError | ValidationError):  # alpaca-py could not parse the answer
        return UpstreamError("Alpaca sent an unexpected answer", code="ALPACA_BAD_RESPONSE",
                             details={"error": str(exc)[:300]})
    return None


def _logged_error(exc: Exception) -> CatalystError | None:
    translated = translate_error(exc)
    if translated is not None:
        log.warning("alpaca_bars_failed", code=translated.code, error=translated.message)
    return translated


def _series(symbol: str, bars: Sequence[Any]) -> BarColumns:
    """Columns of alpaca-py ``Bar`` models, refused as a bad upstream answer if any bar is invalid."""
    ts = np.array([to_ns(b.timestamp) // NS_PER_S * NS_PER_S for b in bars], dtype=np.int64)
    cols = {k: np.array([getattr(b, k) for b in bars], dtype=np.float64)
            for k in ("open", "high", "low", "close", "volume")}
    for k in ("vwap", "trade_count"):
        cols[k] = reported_by_all(np.array([np.nan if (v := getattr(b, k)) is None else v for b in bars],
                                           dtype=np.float64))
    frame = BarFrame.from_arrays(np.full(len(ts), symbol, dtype=object), ts, **cols)
    bad = find_bad_bar(frame, Timeframe.DAY_1)  # alignment is Alpaca's business; values are ours
    if bad is not None:
        raise UpstreamError(f"Alpaca sent an invalid {symbol} bar: {bad.reason}", code="ALPACA_BAD_RESPONSE",
                            details={"symbol": symbol, "row": bad.row, "reason": bad.reason})
    return BarColumns(ts, **cols).take(np.argsort(ts, kind="stable"))


def _bars_call(params: StockBarsRequest) -> Callable[[StockHistoricalDataClient], object]:
    def call(client: StockHistoricalDataClient) -> object:
        return client.get_stock_bars(params)

    return call


class AlpacaBarSource(BarSource):
    name: ClassVar[str] = "alpaca"

    def __init__(self, api_key: str, secret_key: str, *, url: str | None = None, feed: str = "iex",
                 adjustment: str = "split", timeout_s: float = 10.0, retry_attempts: int = 3,
                 retry_wait_s: float = 3.0, symbols_per_request: int = 100, workers: int = 2,
                 client_factory: Callable[[], StockHistoricalDataClient] | None = None):
        self.feed = DataFeed(feed)
        self.adjustment = Adjustment(adjustment)
        self.symbols_per_request = symbols_per_request
        self._clients = ClientPool(client_factory or (lambda: self._make_client(
            api_key, secret_key, url, timeout_s, retry_attempts, retry_wait_s)),
            workers=workers, thread_name_prefix="alpaca-bars")

    @classmethod
    def from_settings(cls, settings: BarSourceSettings) -> AlpacaBarSource:
        keys = settings.alpaca.pair()
        if keys is None:
            raise ValueError("BAR_SOURCE=alpaca needs ALPACA_API_KEY and ALPACA_SECRET_KEY")
        return cls(*keys,
                   url=settings.alpaca_data_url, feed=settings.alpaca_feed, adjustment=settings.alpaca_adjustment,
                   timeout_s=settings.alpaca_timeout_s, retry_attempts=settings.alpaca_retry_attempts,
                   retry_wait_s=settings.alpaca_retry_wait_s,
                   symbols_per_request=settings.alpaca_symbols_per_request)

    @staticmethod
    def _make_client(api_key: str, secret_key: str, url: str | None, timeout_s: float, retry_attempts: int,
                     retry_wait_s: float) -> StockHistoricalDataClient:
        # alpaca-py's RESTClient takes the retry budget in its constructor, which
        # StockHistoricalDataClient does not pass on.
        return configure_rest_client(
            StockHistoricalDataClient(api_key=api_key, secret_key=secret_key, url_override=url),
            timeout_s=timeout_s, retry_attempts=retry_attempts, retry_wait_s=retry_wait_s)

    async def _fetch(self, request: BarRequest) -> dict[str, BarColumns]:
        out: dict[str, BarColumns] = {}
        symbols = list(request.symbols)
        for i in range(0, len(symbols), self.symbols_per_request):
            chunk = symbols[i:i + self.symbols_per_request]
            params = StockBarsRequest(symbol_or_symbols=chunk, timeframe=ALPACA_TIMEFRAMES[request.timeframe],
                                      start=request.start, end=request.end, feed=self.feed,
                                      adjustment=self.adjustment)
            barset = await self._clients.run(_bars_call(params), _logged_error)
            if not isinstance(barset, BarSet):
                raise UpstreamError("Alpaca sent an unexpected answer", code="ALPACA_BAD_RESPONSE")
            for symbol, bars in barset.data.items():
                if symbol in chunk and bars:
                    out[symbol] = _series(symbol, bars)
        return out

    async def aclose(self) -> None:
        self._clients.shutdown()
