"""Indicators as pure functions over whole arrays, time on axis 0.

Each takes a series ``(n_bars,)`` or a panel ``(n_bars, n_symbols)`` of float64 and returns
the same shape, NaN where TA-Lib has no value yet (its lookback), and TA-Lib's values
elsewhere (same seeds, constants, operation order and zero thresholds; tests hold every
one to 1e-9). ``catalyst.indicators.batch`` runs them together for many symbols.
"""

from __future__ import annotations

import numpy as np

from catalyst.indicators.kernels import FloatArray, as_time_major, cumulative_sum, running_means, smooth

# TA-Lib's TA_IS_ZERO / TA_IS_ZERO_OR_NEG tolerance: an RSI whose average gain + loss is
# under it is 0; a variance under it gives a standard deviation of 0.
TA_EPSILON = 1e-8


def _like(x: FloatArray, y: FloatArray) -> FloatArray:
    """``y`` (time-major 2-D) back in the shape of the caller's ``x``."""
    return y.reshape(x.shape)


def sma(x: FloatArray, period: int) -> FloatArray:
    """Simple moving average (TA-Lib ``SMA``); first value at bar ``period - 1``."""
    return _like(x, running_means(x, [period])[:, 0])


def ema(x: FloatArray, period: int, *, seed_end: int | None = None) -> FloatArray:
    """Exponential moving average, k = 2/(period+1), seeded with the SMA (TA-Lib ``EMA``).

    ``seed_end`` seeds it later than bar ``period - 1``, as TA-Lib's MACD does.
    """
    start = period - 1 if seed_end is None else seed_end
    return _like(x, smooth(as_time_major(x), [start], [period], wilder=False)[:, 0])


def wilder(x: FloatArray, period: int) -> FloatArray:
    """Wilder's average ``(prev * (period-1) + x) / period`` seeded with the first SMA."""
    return _like(x, smooth(as_time_major(x), [period - 1], [period], wilder=True)[:, 0])


def rsi_from_averages(avg_gain: FloatArray, avg_loss: FloatArray, warmup: int) -> FloatArray:
    """``100 * gain / (gain + loss)``, 0 where both averages are (near) zero, as TA-Lib.

    The averages are never negative, so TA-Lib's ``|total| < 1e-8`` is ``total < 1e-8``.
    Rows before ``warmup`` are NaN.
    """
    total = avg_gain + avg_loss
    value = np.zeros(total.shape)
    np.divide(avg_gain, total, out=value, where=total >= TA_EPSILON)
    value *= 100.0
    value[:warmup] = np.nan
    return value


def rsi(close: FloatArray, period: int = 14) -> FloatArray:
    """Relative strength index (TA-Lib ``RSI``); first value at bar ``period``."""
    c = as_time_major(close)
    out = np.full(c.shape, np.nan)
    if c.shape[0] > period:
        change = np.diff(c, axis=0)
        gain = np.maximum(change, 0.0)
        averages = smooth(np.stack([gain, gain - change], axis=1), [period - 1] * 2, [period] * 2, wilder=True)
        out[1:] = rsi_from_averages(averages[:, 0], averages[:, 1], warmup=period - 1)
    return _like(close, out)


def macd(
    close: FloatArray, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """MACD line, signal and histogram as TA-Lib ``MACD`` builds them.

    TA-Lib seeds both averages at bar ``slow - 1`` (the fast one with the mean of its last
    ``fast`` closes there, not at bar ``fast - 1``) and reports all three outputs from bar
    ``slow + signal - 2``.
    """
    if fast > slow:
        fast, slow = slow, fast
    c = as_time_major(close)
    start = slow - 1
    first = slow + signal - 2
    both = smooth(c, [start, start], [fast, slow], wilder=False)
    line = both[:, 0] - both[:, 1]
    sig = np.full(c.shape, np.nan)
    if c.shape[0] > start:
        sig[start:] = smooth(line[start:], [signal - 1], [signal], wilder=False)[:, 0]
    line[:first] = np.nan
    return _like(close, line), _like(close, sig), _like(close, line - sig)


def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """True range (TA-Lib ``TRANGE``); bar 0 has none (no previous close)."""
    out = np.full(close.shape, np.nan)
    prev = close[:-1]
    out[1:] = np.maximum(high[1:], prev) - np.minimum(low[1:], prev)
    return out


def atr(high: FloatArray, low: FloatArray, close: FloatArray, period: int = 14) -> FloatArray:
    """Average true range (TA-Lib ``ATR``): Wilder average of true ranges, first at bar ``period``."""
    out = np.full(close.shape, np.nan)
    if close.shape[0] > period:
        out[1:] = wilder(true_range(high, low, close)[1:], period)
    return out


def bollinger_width(close: FloatArray, middle: FloatArray, period: int, deviations: float) -> FloatArray:
    """``deviations`` population standard deviations of each ``period``-bar window.

    ``middle`` is the window's mean (the SMA). The variance is E[x²] − E[x]² of the closes
    taken relative to the first close, which keeps both terms small so that nothing cancels
    catastrophically at high prices; a variance under 1e-8 counts as zero, as in TA-Lib.
    """
    c, mid = as_time_major(close), as_time_major(middle)
    centred = c - c[:1]
    centred *= centred
    variance = running_means(centred, [period])[:, 0]
    shifted = mid - c[:1]
    shifted *= shifted
    variance -= shifted
    variance[variance < TA_EPSILON] = 0.0  # NaN (warm-up) compares False and stays NaN
    np.sqrt(variance, out=variance)
    variance *= deviations
    return _like(close, variance)


def bbands(
    close: FloatArray, period: int = 20, deviations: float = 2.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Bollinger Bands (TA-Lib ``BBANDS``, SMA middle): upper, middle, lower."""
    middle = sma(close, period)
    width = bollinger_width(close, middle, period, deviations)
    return middle + width, middle, middle - width


def obv(close: FloatArray, volume: FloatArray) -> FloatArray:
    """On-balance volume (TA-Lib ``OBV``): starts at the first bar's volume."""
    c, v = as_time_major(close), as_time_major(volume)
    out = np.empty(c.shape)
    out[0] = v[0]
    if c.shape[0] > 1:
        signed = np.sign(np.diff(c, axis=0))
        signed *= v[1:]
        signed[0] += v[0]
        cumulative_sum(signed, out=out[1:])
    return _like(close, out)


def volume_ratio(volume: FloatArray, period: int = 20) -> FloatArray:
    """Each bar's volume over the mean volume of the ``period`` bars before it.

    First value at bar ``period``; NaN where that mean is zero (nothing traded).
    """
    v = as_time_major(volume)
    out = np.full(v.shape, np.nan)
    if v.shape[0] > period:
        prior = running_means(v[:-1], [period])[period - 1 :, 0]
        np.divide(v[period:], prior, out=out[period:], where=prior > 0.0)
    return _like(volume, out)
