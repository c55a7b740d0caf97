"""BarColumns: ranges, aggregation, conversions to ``Bar`` and to the bar store's ingest batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pytest

from catalyst.bar_columns import (
    NS_PER_S,
    BarColumns,
    concat,
    daily_from_intraday,
    from_ns,
    new_york_midnight,
    reported_by_all,
    summarize,
    to_ns,
)
from catalyst.db.bar_frame import BarFrame
from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Bar

T0 = to_ns(datetime(2013, 2, 25, 14, 30, tzinfo=UTC))
MINUTE = 60 * NS_PER_S


def minutes(n: int, start: int = T0, with_extras: bool = False) -> BarColumns:
    i = np.arange(n, dtype=np.float64)
    close = 10.0 + 0.01 * i
    return BarColumns(
        ts=start + MINUTE * np.arange(n, dtype=np.int64), open=close - 0.005, high=close + 0.02, low=close - 0.03,
        close=close, volume=100.0 + i,
        vwap=close.copy() if with_extras else None,
        trade_count=np.arange(n, dtype=np.int64) + 1 if with_extras else None,
    )


def test_unequal_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        BarColumns(np.arange(3, dtype=np.int64), *(np.ones(3),) * 4, np.ones(2))


def test_missing_vwap_and_count_are_nan_floats() -> None:
    bars = minutes(3)
    assert bars.vwap.dtype == bars.trade_count.dtype == np.float64
    assert np.isnan(bars.vwap).all()
    assert np.isnan(bars.trade_count).all()
    assert minutes(3, with_extras=True).trade_count.tolist() == [1.0, 2.0, 3.0]


def test_between_is_inclusive_at_both_ends() -> None:
    bars = minutes(10)
    part = bars.between(T0 + MINUTE, T0 + 3 * MINUTE)
    assert part.ts.tolist() == [T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]
    assert len(bars.between(T0 + MINUTE + 1, T0 + 2 * MINUTE - 1)) == 0
    assert bars.until(T0 + MINUTE).ts.tolist() == [T0, T0 + MINUTE]


def test_aggregate_to_five_minutes() -> None:
    bars = minutes(12, with_extras=True)
    five = bars.aggregate(300)
    assert five.ts.tolist() == [T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE]
    assert five.open[0] == bars.open[0]
    assert five.close[0] == bars.close[4]
    assert five.high[1] == bars.high[5:10].max()
    assert five.low[1] == bars.low[5:10].min()
    assert five.volume.tolist() == [bars.volume[0:5].sum(), bars.volume[5:10].sum(), bars.volume[10:].sum()]
    assert five.trade_count.tolist() == [15, 40, 23]
    assert five.vwap[0] == pytest.approx((bars.close[:5] * bars.volume[:5]).sum() / bars.volume[:5].sum())


def test_a_bucket_missing_a_vwap_or_count_has_none() -> None:
    bars = minutes(10, with_extras=True)
    bars.vwap[7] = np.nan
    bars.trade_count[2] = np.nan
    five = bars.aggregate(300)
    assert np.isnan(five.vwap).tolist() == [False, True]
    assert np.isnan(five.trade_count).tolist() == [True, False]
    idle = replace(minutes(5), volume=np.zeros(5))  # no volume: no vwap to weigh, and none reported
    assert np.isnan(idle.aggregate(300).vwap).all()


def test_hour_buckets_start_on_the_hour() -> None:
    hour = minutes(90).aggregate(3600)  # 09:30-10:59 ET
    assert [from_ns(t).hour for t in hour.ts] == [14, 15]  # 09:00 and 10:00 ET
    assert hour.volume[0] == minutes(90).volume[:30].sum()


def test_summarize_the_day_so_far() -> None:
    bars = minutes(30, with_extras=True)
    day = summarize(bars, 123)
    assert day.ts.tolist() == [123]
    assert (day.open[0], day.high[0], day.low[0], day.close[0], day.volume[0]) == (
        bars.open[0], bars.high.max(), bars.low.min(), bars.close[-1], bars.volume.sum())
    assert np.isnan(day.vwap[0])
    assert np.isnan(day.trade_count[0])


def test_bars_round_trip() -> None:
    frame = minutes(5, with_extras=True)
    bars = frame.to_bars("ACME")
    assert isinstance(bars[0], Bar)
    assert bars[0].ts == datetime(2013, 2, 25, 14, 30, tzinfo=UTC)
    assert bars[2].trade_count == 3
    assert isinstance(bars[2].trade_count, int)
    back = BarColumns.from_bars(list(reversed(bars)))
    assert back.digest() == frame.digest()


def test_unreported_fields_are_none_on_bars() -> None:
    bars = minutes(2).to_bars("ACME")
    assert (bars[0].vwap, bars[0].trade_count, bars[0].timeframe) == (None, None, None)
    assert BarColumns.from_bars(bars).digest() == minutes(2).digest()
    assert len(BarColumns.from_bars([])) == 0


def test_concat_orders_by_time() -> None:
    late, early = minutes(3, start=T0 + 10 * MINUTE), minutes(3)
    joined = concat([late, early])
    assert np.all(np.diff(joined.ts) > 0)
    assert len(joined) == 6
    assert len(concat([])) == 0


def test_digest_sees_every_byte() -> None:
    a = minutes(5)
    b = BarColumns(a.ts, a.open, a.high, a.low, a.close.copy(), a.volume)
    assert a.digest() == b.digest()
    b.close[3] = np.nextafter(b.close[3], 100.0)
    assert a.digest() != b.digest()


def test_frozen_arrays_are_read_only() -> None:
    bars = minutes(3).frozen()
    with pytest.raises(ValueError, match="read-only"):
        bars.close[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        bars.vwap[0] = 1.0


def test_reported_by_all() -> None:
    assert reported_by_all(np.array([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert np.isnan(reported_by_all(np.array([1.0, np.nan]))).all()


def test_ingest_batch_from_columns() -> None:
    a, b = minutes(3, with_extras=True), minutes(2, start=T0 + 10 * MINUTE)
    frame = BarFrame.from_columns({"AAA": a, "BBB": b, "EMPTY": BarColumns.empty()})
    assert frame.symbol.tolist() == ["AAA"] * 3 + ["BBB"] * 2
    assert frame.ts.tolist() == [*a.ts.tolist(), *b.ts.tolist()]
    assert frame.vwap[:3].tolist() == a.vwap.tolist()
    assert np.isnan(frame.vwap[3:]).all()
    assert len(BarFrame.from_columns({})) == 0


def test_ns_helpers() -> None:
    ts = datetime(2013, 3, 1, 21, 0, 0, 123456, tzinfo=UTC)
    assert to_ns(ts) == 1362171600_123456_000
    assert from_ns(to_ns(ts)) == ts


def test_daily_from_intraday_groups_by_new_york_date() -> None:
    # 15:59 and 19:30 ET on 8 March (EST) and 09:30 ET on 11 March (EDT)
    ts = np.array([to_ns(datetime(2013, 3, 8, 20, 59, tzinfo=UTC)), to_ns(datetime(2013, 3, 9, 0, 30, tzinfo=UTC)),
                   to_ns(datetime(2013, 3, 11, 13, 30, tzinfo=UTC))], dtype=np.int64)
    bars = BarColumns(ts, np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.5, 3.5]), np.array([0.5, 1.5, 2.5]),
                      np.array([1.2, 2.2, 3.2]), np.array([10.0, 20.0, 30.0]))
    daily = daily_from_intraday(bars)
    assert daily.ts.tolist() == [to_ns(daily_bar_time(date(2013, 3, 8))), to_ns(daily_bar_time(date(2013, 3, 11)))]
    assert daily.open.tolist() == [1.0, 3.0]
    assert daily.high.tolist() == [2.5, 3.5]
    assert daily.low.tolist() == [0.5, 2.5]
    assert daily.close.tolist() == [2.2, 3.2]
    assert daily.volume.tolist() == [30.0, 30.0]


def test_new_york_midnight_across_a_clock_change() -> None:
    # the hours either side of 2013-03-10 02:00 EST (07:00 UTC) and of 05:00 UTC (local midnight in EST)
    utc = [datetime(2013, 3, 10, h, m, tzinfo=UTC) for h, m in ((4, 59), (5, 0), (6, 59), (7, 0), (23, 59))]
    got = new_york_midnight(np.array([to_ns(t) for t in utc], dtype=np.int64))
    nine, ten = to_ns(daily_bar_time(date(2013, 3, 9))), to_ns(daily_bar_time(date(2013, 3, 10)))
    assert got.tolist() == [nine, ten, ten, ten, ten]
