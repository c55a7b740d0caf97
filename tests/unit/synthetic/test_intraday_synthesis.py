"""Minute bars synthesised from real daily bars hit the day's OHLCV exactly, in every style."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from catalyst.bar_columns import NS_PER_S, BarColumns, from_ns, to_ns
from catalyst.domain.calendar import SESSION_MINUTES, session_close
from catalyst.errors import InvalidInput
from catalyst.synthetic.intraday import (
    OPENING_RANGE_MINUTES,
    apportion,
    orb_range_high,
    session_minute_starts,
    synthesize_minutes,
)
from catalyst.synthetic.sampledata import REAL_SYMBOLS, DailyHistory, load_daily

STYLES = ("random", "trend_up", "fade", "orb")


def real_days(per_symbol: int = 40) -> list[tuple[str, int]]:
    data = load_daily()
    return [(s, i) for s in REAL_SYMBOLS for i in range(len(data[s].days) - per_symbol, len(data[s].days))]


def synth(h: DailyHistory, i: int, style: str, seed: int = 1) -> BarColumns:
    bars, _ = synthesize_minutes(float(h.open[i]), float(h.high[i]), float(h.low[i]), float(h.close[i]),
                                 float(h.volume[i]), day=h.days[i], rng=np.random.default_rng(seed),
                                 tick=0.0001, style=style)  # type: ignore[arg-type]
    return bars


def assert_hits_daily(bars: BarColumns, o: float, h: float, lo: float, c: float, v: float) -> None:
    assert len(bars) == SESSION_MINUTES
    assert bars.open[0] == o
    assert bars.close[-1] == c
    assert bars.high.max() == h
    assert bars.low.min() == lo
    assert bars.volume.sum() == v
    assert np.all(bars.volume >= 0)
    assert np.all(bars.volume == np.floor(bars.volume))
    assert np.all(bars.high >= np.maximum(bars.open, bars.close))
    assert np.all(bars.low <= np.minimum(bars.open, bars.close))
    assert np.all(bars.low > 0)


@pytest.mark.parametrize("style", STYLES)
def test_minutes_hit_real_daily_bars_exactly(style: str) -> None:
    data = load_daily()
    for symbol, i in real_days():
        h = data[symbol]
        bars = synth(h, i, style, seed=i)
        assert_hits_daily(bars, h.open[i], h.high[i], h.low[i], h.close[i], h.volume[i])


def test_minute_prices_keep_the_source_tick() -> None:
    h = load_daily()["AAPL"]
    i = h.days.index(date(2013, 3, 1))  # high 438.1799: sub-penny prints in the source
    bars = synth(h, i, "random")
    assert bars.high.max() == 438.1799
    for col in (bars.open, bars.high, bars.low, bars.close):
        assert np.allclose(np.round(col, 4), col, atol=1e-9)


def test_session_timestamps_in_winter_and_summer() -> None:
    data = load_daily()["MSFT"]
    winter = synth(data, data.days.index(date(2013, 2, 25)), "random")
    summer = synth(data, data.days.index(date(2012, 7, 2)), "random")
    assert from_ns(winter.ts[0]) == datetime(2013, 2, 25, 14, 30, tzinfo=UTC)
    assert from_ns(winter.ts[-1]) == datetime(2013, 2, 25, 20, 59, tzinfo=UTC)
    assert from_ns(summer.ts[0]) == datetime(2012, 7, 2, 13, 30, tzinfo=UTC)
    assert np.all(np.diff(winter.ts) == 60 * NS_PER_S)


def test_volume_profile_is_u_shaped_on_average() -> None:
    data = load_daily()
    share = np.zeros(SESSION_MINUTES)
    days = real_days(30)
    for symbol, i in days:
        bars = synth(data[symbol], i, "random", seed=i)
        share += bars.volume / bars.volume.sum()
    share /= len(days)
    opening, midday, closing = share[:30].mean(), share[150:240].mean(), share[-15:].mean()
    assert opening > 1.8 * midday
    assert closing > 1.5 * midday


def test_fade_makes_the_high_early_and_never_returns() -> None:
    data = load_daily()
    for symbol, i in real_days(20):
        h = data[symbol]
        if h.high[i] <= max(h.open[i], h.close[i]):
            continue  # no room for an intraday high: the style falls back to random
        bars = synth(h, i, "fade", seed=i)
        assert bars.high[:OPENING_RANGE_MINUTES].max() == h.high[i]
        assert bars.high[OPENING_RANGE_MINUTES:].max() < h.high[i]


def test_trend_up_puts_low_early_and_high_late() -> None:
    data = load_daily()
    for symbol, i in real_days(20):
        h = data[symbol]
        bars = synth(h, i, "trend_up", seed=i)
        if h.low[i] < min(h.open[i], h.close[i]):
            assert int(np.argmin(bars.low)) <= 46
        if h.high[i] > max(h.open[i], h.close[i]):
            assert int(np.argmax(bars.high)) >= 300 - 46  # the run to the high starts at most 45 min before


def test_opening_range_breakout_shape() -> None:
    """A day built for an ORB: range in the first 30 minutes, then a break above it that holds."""
    o, lo, h, c = 50.0, 49.7, 51.5, 51.35
    for seed in range(20):
        bars, plan = synthesize_minutes(o, h, lo, c, 2_500_000, day=date(2013, 2, 26),
                                        rng=np.random.default_rng(seed), tick=0.01, style="orb")
        assert_hits_daily(bars, o, h, lo, c, 2_500_000)
        orh = orb_range_high(o, c, 0.01)
        assert plan.opening_range_high == orh
        assert bars.high[:OPENING_RANGE_MINUTES].max() == orh
        assert bars.low[:OPENING_RANGE_MINUTES].min() == lo
        breakout = int(np.argmax(bars.close > orh))
        assert OPENING_RANGE_MINUTES <= breakout <= 61
        for minutes in (5, 15, 30):  # every common opening range has the same high
            assert bars.high[:minutes].max() == orh
        assert np.all(bars.low[breakout + 1:] >= orh - 0.25 * (orh - lo) - 1e-9)
        assert bars.volume[breakout:breakout + 10].mean() > bars.volume[150:240].mean()


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    h = load_daily()["IBM"]
    i = len(h.days) - 1
    assert synth(h, i, "random", seed=5).digest() == synth(h, i, "random", seed=5).digest()
    assert synth(h, i, "random", seed=5).digest() != synth(h, i, "random", seed=6).digest()


@pytest.mark.parametrize(("o", "h", "lo", "c"), [
    (10.0, 10.0, 9.5, 9.8),  # opened at the high
    (10.0, 10.4, 10.0, 10.4),  # opened at the low, closed at the high
    (10.0, 10.3, 9.9, 9.9),  # closed at the low
    (10.0, 10.0, 10.0, 10.0),  # never traded off one price
])
@pytest.mark.parametrize("style", STYLES)
def test_boundary_days(o: float, h: float, lo: float, c: float, style: str) -> None:
    bars, _ = synthesize_minutes(o, h, lo, c, 1_000_001, day=date(2013, 2, 27), rng=np.random.default_rng(3),
                                 style=style)  # type: ignore[arg-type]
    assert_hits_daily(bars, o, h, lo, c, 1_000_001)


@pytest.mark.parametrize(("o", "h", "lo", "c", "v"), [
    (10.0, 9.9, 9.5, 9.8, 100),  # high below the open
    (10.0, 10.5, 10.1, 10.2, 100),  # low above the open
    (10.0, 10.5, 0.0, 10.2, 100),  # low not positive
    (10.0, 10.5, 9.5, 10.2, 100.5),  # fractional volume
    (10.0, 10.5, 9.5, 10.2, -1),  # negative volume
    (float("nan"), 10.5, 9.5, 10.2, 100),
])
def test_inconsistent_daily_bar_is_refused(o: float, h: float, lo: float, c: float, v: float) -> None:
    with pytest.raises(InvalidInput) as err:
        synthesize_minutes(o, h, lo, c, v, day=date(2013, 2, 27), rng=np.random.default_rng(0))
    assert err.value.code == "INVALID_BAR"


@pytest.mark.parametrize("total", [0, 1, 389, 390, 391, 123_456_789])
def test_apportion_sums_exactly(total: int) -> None:
    weights = np.random.default_rng(total).random(SESSION_MINUTES) + 0.01
    parts = apportion(total, weights)
    assert parts.sum() == total
    assert np.all(parts >= 0)
    assert np.all(parts == np.floor(parts))
    assert np.all(np.abs(parts - total * weights / weights.sum()) < 1.0 + 1e-9)


def test_session_has_390_minutes_from_0930() -> None:
    starts = session_minute_starts(date(2013, 2, 25))
    assert len(starts) == SESSION_MINUTES == 390
    assert starts[0] == to_ns(datetime(2013, 2, 25, 14, 30, tzinfo=UTC))
    assert starts[-1] + 60 * NS_PER_S == to_ns(session_close(date(2013, 2, 25)))
    assert np.all(np.diff(starts) == 60 * NS_PER_S)
