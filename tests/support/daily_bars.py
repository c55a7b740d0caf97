"""Daily bars for the Risk Manager's rules in a test database: the stop rule's ATR reads stored bars only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from catalyst.db import Database
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore
from catalyst.domain.calendar import NEW_YORK


def today_et() -> date:
    """The New York trading day now."""
    return datetime.now(UTC).astimezone(NEW_YORK).date()


async def insert_daily_bars(db: Database, closes: dict[str, np.ndarray], *, spread: float = 0.01) -> None:
    """Daily bars ending yesterday: high/low ``spread`` around each close."""
    n = len(next(iter(closes.values())))
    end = np.datetime64(today_et() - timedelta(days=1), "D")
    days = np.arange(end - n + 1, end + 1).astype("datetime64[ns]")
    symbols, ts, close = [], [], []
    for symbol, series in closes.items():
        symbols += [symbol] * n
        ts.append(days)
        close.append(series)
    c = np.concatenate(close)
    frame = BarFrame.from_arrays(symbol=np.array(symbols, dtype=object), ts=np.concatenate(ts), open=c,
                                 high=c * (1 + spread), low=c * (1 - spread), close=c,
                                 volume=np.full(len(c), 1_000_000.0))
    await BarStore(db).ingest(frame, "1Day", on_conflict="replace")
