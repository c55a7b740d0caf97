"""One interface for historical bars, whatever their origin (Alpaca, files a user drops in, the replay set).

``BarSource.get_bars(symbols, timeframe, start, end)`` returns ``{symbol: [Bar, ...]}`` for every
requested symbol (an empty list where the source has none), bars ordered by time, each bar's start
in ``[start, end]`` (both ends inclusive, as Alpaca's API reads them). ``get_series`` returns the
same bars as ``BarColumns`` (the form ``BarStore`` reads answer too), for code that computes over
many bars. Requests are validated here, once, for every source: bad input is an
``InvalidInput`` (400), never a source error.

Which source a service uses is configuration (``catalyst.bar_sources.config``) and
``catalyst.bar_sources.factory`` builds it: the interface knows none of its implementations.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from prometheus_client import Counter, Histogram

from catalyst.bar_columns import BarColumns, to_ns
from catalyst.domain.market import Bar, Timeframe, is_symbol
from catalyst.errors import CatalystError, InvalidInput

MAX_SYMBOLS_PER_REQUEST = 2000

BAR_REQUESTS = Counter(
    "catalyst_bar_source_requests_total", "Bar requests served by a bar source, by source and outcome",
    ["source", "outcome"],
)
BAR_REQUEST_SECONDS = Histogram(
    "catalyst_bar_source_request_duration_seconds", "Time to serve one bar request, by source",
    ["source"], buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
BARS_SERVED = Counter(
    "catalyst_bar_source_bars_total", "Bars returned by a bar source, by source and timeframe",
    ["source", "timeframe"],
)


@dataclass(frozen=True)
class BarRequest:
    """A validated request: upper-case unique symbols, a known timeframe, an aware ``start <= end``."""

    symbols: tuple[str, ...]
    timeframe: Timeframe
    start: datetime
    end: datetime

    @property
    def start_ns(self) -> int:
        return to_ns(self.start)

    @property
    def end_ns(self) -> int:
        return to_ns(self.end)


def validate_request(symbols: Sequence[str], timeframe: Timeframe | str, start: datetime,
                     end: datetime) -> BarRequest:
    if isinstance(symbols, str):  # a bare string is a sequence of letters, not of symbols
        symbols = [symbols]
    if not symbols or not all(isinstance(s, str) for s in symbols):
        raise InvalidInput("symbols must be a non-empty list of tickers", code="INVALID_SYMBOLS")
    wanted = tuple(dict.fromkeys(s.strip().upper() for s in symbols))
    bad = [s for s in wanted if not is_symbol(s)]
    if bad:
        raise InvalidInput(f"not a ticker: {', '.join(bad[:10])}", code="INVALID_SYMBOLS",
                           details={"symbols": bad[:50]})
    if len(wanted) > MAX_SYMBOLS_PER_REQUEST:
        raise InvalidInput(f"at most {MAX_SYMBOLS_PER_REQUEST} symbols per request", code="TOO_MANY_SYMBOLS",
                           details={"requested": len(wanted)})
    try:
        tf = Timeframe(timeframe)
    except ValueError:
        raise InvalidInput(f"unknown timeframe {timeframe!r}", code="INVALID_TIMEFRAME",
                           details={"allowed": [t.value for t in Timeframe]}) from None
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start and end must be timezone-aware", code="NAIVE_DATETIME")
    if start > end:
        raise InvalidInput("start is after end", code="INVALID_RANGE",
                           details={"start": start.isoformat(), "end": end.isoformat()})
    return BarRequest(wanted, tf, start, end)


class BarSource(ABC):
    """Historical bars from one origin. Subclasses implement ``_fetch`` on a validated request."""

    name: ClassVar[str]

    async def get_bars(self, symbols: Sequence[str], timeframe: Timeframe | str, start: datetime,
                       end: datetime) -> dict[str, list[Bar]]:
        series = await self.get_series(symbols, timeframe, start, end)
        return {s: bars.to_bars(s) for s, bars in series.items()}

    async def get_series(self, symbols: Sequence[str], timeframe: Timeframe | str, start: datetime,
                         end: datetime) -> dict[str, BarColumns]:
        """Columnar bars for every requested symbol (empty where the source has none)."""
        request = validate_request(symbols, timeframe, start, end)
        started = time.perf_counter()
        outcome = "ok"
        try:
            found = await self._fetch(request)
        except CatalystError as exc:
            outcome = exc.code.lower()
            raise
        except Exception:
            outcome = "error"
            raise
        finally:
            BAR_REQUESTS.labels(self.name, outcome).inc()
            BAR_REQUEST_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        out = {s: found.get(s, BarColumns.empty()).between(request.start_ns, request.end_ns)
               for s in request.symbols}
        BARS_SERVED.labels(self.name, request.timeframe.value).inc(sum(len(b) for b in out.values()))
        return out

    @abstractmethod
    async def _fetch(self, request: BarRequest) -> dict[str, BarColumns]:
        """Bars of the request's symbols covering at least ``[start, end]``; missing symbols may be absent."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most sources hold nothing
        """Release connections and threads (no-op for sources that hold none)."""
