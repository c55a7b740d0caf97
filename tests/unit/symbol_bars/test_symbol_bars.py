"""Columnar bars: ranges, aggregation, conversions to ``Bar`` and to the bar store's forms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Bar
from catalyst.symbol_bars import (
    SymbolBars,
    concat,
    daily_from_intraday,
    from_epoch,
    store_frame,
    summarize,
    to_epoch,
)

T0 = int(datetime(2013, 2, 25, 14, 30, tzinfo=UTC).timestamp())


def minutes(n: int, start: int = T0, with_extras: bool = False) -> SymbolBars:
    i = np.arange(n, dtype=np.float64)
    close = 10.0 + 0.01 * i
    return SymbolBars(
        ts=start + 60 * np.arange(n, dtype=np.int64), open=close - 0.005, high=close + 0.02, low=close - 0.03,
        close=close, volume=100.0 + i,
        vwap=close.copy() if with_extras else None,
        trade_count=np.arange(n, dtype=np.int64) + 1 if with_extras else None,
    )


def test_unequal_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        SymbolBars(np.arange(3, dtype=np.int64), *(np.ones(3),) * 4, np.ones(2))


def test_between_is_inclusive_at_both_ends() -> None:
    bars = minutes(10)
    part = bars.between(T0 + 60, T0 + 180)
    assert part.ts.tolist() == [T0 + 60, T0 + 120, T0 + 180]
    assert len(bars.between(T0 + 61, T0 + 119)) == 0
    assert bars.until(T0 + 60).ts.tolist() == [T0, T0 + 60]


def test_aggregate_to_five_minutes() -> None:
    bars = minutes(12, with_extras=True)
    five = bars.aggregate(300)
    assert five.ts.tolist() == [T0, T0 + 300, T0 + 600]
    assert five.open[0] == bars.open[0]
    assert five.close[0] == bars.close[4]
    assert five.high[1] == bars.high[5:10].max()
    assert five.low[1] == bars.low[5:10].min()
    assert five.volume.tolist() == [bars.volume[0:5].sum(), bars.volume[5:10].sum(), bars.volume[10:].sum()]
    assert five.trade_count is not None
    assert five.trade_count.tolist() == [15, 40, 23]
    assert five.vwap is not None
    assert five.vwap[0] == pytest.approx((bars.close[:5] * bars.volume[:5]).sum() / bars.volume[:5].sum())


def test_hour_buckets_start_on_the_hour() -> None:
    hour = minutes(90).aggregate(3600)  # 09:30-10:59 ET
    assert [from_epoch(t).hour for t in hour.ts] == [14, 15]  # 09:00 and 10:00 ET
    assert hour.volume[0] == minutes(90).volume[:30].sum()


def test_summarize_the_day_so_far() -> None:
    bars = minutes(30)
    day = summarize(bars, 123)
    assert day.ts.tolist() == [123]
    assert (day.open[0], day.high[0], day.low[0], day.close[0], day.volume[0]) == (
        bars.open[0], bars.high.max(), bars.low.min(), bars.close[-1], bars.volume.sum())


def test_bars_round_trip() -> None:
    frame = minutes(5, with_extras=True)
    bars = frame.to_bars("ACME")
    assert isinstance(bars[0], Bar)
    assert bars[0].ts == datetime(2013, 2, 25, 14, 30, tzinfo=UTC)
    assert bars[2].trade_count == 3
    back = SymbolBars.from_bars(list(reversed(bars)))
    assert back.digest() == frame.digest()


def test_concat_orders_by_time() -> None:
    late, early = minutes(3, start=T0 + 600), minutes(3)
    joined = concat([late, early])
    assert np.all(np.diff(joined.ts) > 0)
    assert len(joined) == 6
    assert len(concat([])) == 0


def test_digest_sees_every_byte() -> None:
    a = minutes(5)
    b = SymbolBars(a.ts, a.open, a.high, a.low, a.close.copy(), a.volume)
    assert a.digest() == b.digest()
    b.close[3] = np.nextafter(b.close[3], 100.0)
    assert a.digest() != b.digest()


def test_frozen_arrays_are_read_only() -> None:
    bars = minutes(3).frozen()
    with pytest.raises(ValueError, match="read-only"):
        bars.close[0] = 1.0


def test_store_forms() -> None:
    a, b = minutes(3), minutes(2, start=T0 + 600)
    frame = store_frame({"AAA": a, "BBB": b, "EMPTY": SymbolBars.empty()})
    assert frame.symbol.tolist() == ["AAA"] * 3 + ["BBB"] * 2
    assert frame.ts[0] == T0 * 1_000_000_000
    assert np.isnan(frame.vwap).all()
    arrays = a.to_arrays()
    assert arrays.ts[0] == np.datetime64(T0, "s")
    assert np.isnan(arrays.trade_count).all()
    assert len(store_frame({})) == 0


def test_epoch_helpers() -> None:
    ts = datetime(2013, 3, 1, 21, 0, tzinfo=UTC)
    assert from_epoch(to_epoch(ts)) == ts


def test_daily_from_intraday_groups_by_new_york_date() -> None:
    # 15:59 and 16:00 ET on 8 March (EST) and 09:30 ET on 11 March (EDT)
    ts = np.array([datetime(2013, 3, 8, 20, 59, tzinfo=UTC).timestamp(),
                   datetime(2013, 3, 8, 23, 30, tzinfo=UTC).timestamp(),
                   datetime(2013, 3, 11, 13, 30, tzinfo=UTC).timestamp()], dtype=np.int64)
    bars = SymbolBars(ts, np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.5, 3.5]), np.array([0.5, 1.5, 2.5]),
                      np.array([1.2, 2.2, 3.2]), np.array([10.0, 20.0, 30.0]))
    daily = daily_from_intraday(bars)
    assert daily.ts.tolist() == [int(daily_bar_time(date(2013, 3, 8)).timestamp()),
                                 int(daily_bar_time(date(2013, 3, 11)).timestamp())]
    assert daily.open.tolist() == [1.0, 3.0]
    assert daily.high.tolist() == [2.5, 3.5]
    assert daily.low.tolist() == [0.5, 2.5]
    assert daily.close.tolist() == [2.2, 3.2]
    assert daily.volume.tolist() == [30.0, 30.0]
