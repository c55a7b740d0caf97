"""The offline default source: the seeded replay universe (``catalyst.synthetic.universe``).

Daily bars cover the universe's 260 sessions; 1-, 5-, 15- and 60-minute bars exist for the five
replay days (one-minute bars synthesised from each daily bar, coarser ones aggregated from them).

With a ``clock`` the source never shows the future: a minute bar appears once its minute has
ended, and during a session today's daily bar is the day so far (built from the finished
minutes, as a live feed's daily bar is), complete only from 16:00. Without a clock every bar of
the replay set is visible. ``replay_minutes`` streams one day's minute bars for the whole
universe in step with a ``SteppedReplayClock``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from typing import ClassVar

from catalyst.bar_columns import NS_PER_S, BarColumns, concat, from_ns, summarize, to_ns
from catalyst.bar_sources.base import BarRequest, BarSource
from catalyst.clock import Clock, MinuteTick, SteppedReplayClock
from catalyst.domain.calendar import SESSION_MINUTES, daily_bar_time, session_close, session_open, trading_day
from catalyst.domain.market import Bar, Timeframe
from catalyst.errors import InvalidInput
from catalyst.synthetic.universe import DEFAULT_SEED, Universe, build_universe

_MINUTE = 60 * NS_PER_S


class ReplayBarSource(BarSource):
    name: ClassVar[str] = "replay"

    def __init__(self, seed: int = DEFAULT_SEED, clock: Clock | None = None):
        self.seed = seed
        self.clock = clock
        self._universe: Universe | None = None

    async def universe(self) -> Universe:
        """The replay universe, built off the event loop on first use (about a quarter second)."""
        if self._universe is None:
            self._universe = await asyncio.to_thread(build_universe, self.seed)
        return self._universe

    async def _minute_bars(self, day: date) -> Mapping[str, BarColumns]:
        u = await self.universe()
        return await asyncio.to_thread(u.minute_bars, day)

    async def _fetch(self, request: BarRequest) -> dict[str, BarColumns]:
        u = await self.universe()
        symbols = [s for s in request.symbols if s in u.daily]
        now = to_ns(self.clock.now()) if self.clock is not None else None
        if request.timeframe is Timeframe.DAY_1:
            return {s: await self._daily(u, s, now) for s in symbols}
        days = [d for d in u.replay_days
                if to_ns(session_open(d)) <= request.end_ns and to_ns(session_close(d)) > request.start_ns]
        per_day = [await self._minute_bars(d) for d in days]
        out: dict[str, BarColumns] = {}
        for s in symbols:
            bars = concat([minutes[s] for minutes in per_day])
            if now is not None:
                bars = bars.until(now - _MINUTE)  # finished minutes only
            if request.timeframe is not Timeframe.MIN_1:
                bars = bars.aggregate(request.timeframe.seconds)
            out[s] = bars
        return out

    async def _daily(self, u: Universe, symbol: str, now: int | None) -> BarColumns:
        daily = u.daily[symbol]
        if now is None or self.clock is None:
            return daily
        today = trading_day(self.clock.now())
        today_ts = to_ns(daily_bar_time(today))
        past = daily.until(today_ts - 1)
        if now >= to_ns(session_close(today)):
            return daily.until(today_ts)
        if today not in u.replay_days or now < to_ns(session_open(today)) + _MINUTE:
            return past
        minutes = (await self._minute_bars(today))[symbol]
        so_far = minutes.until(now - _MINUTE)
        return concat([past, summarize(so_far, today_ts)])

    async def replay_minutes(self, clock: SteppedReplayClock, symbols: Sequence[str] | None = None
                             ) -> AsyncIterator[tuple[MinuteTick, dict[str, Bar]]]:
        """Each minute of ``clock.day`` as it completes, with that minute's bar for every symbol."""
        u = await self.universe()
        if clock.day not in u.replay_days:
            raise InvalidInput("minute bars exist only for replay days", code="NOT_A_REPLAY_DAY",
                               details={"day": clock.day.isoformat(),
                                        "replay_days": [d.isoformat() for d in u.replay_days]})
        minutes = await self._minute_bars(clock.day)
        wanted = [s.upper() for s in symbols] if symbols is not None else list(u.symbols)
        unknown = [s for s in wanted if s not in minutes]
        if unknown:
            raise InvalidInput(f"not in the replay universe: {', '.join(unknown[:10])}", code="UNKNOWN_SYMBOL",
                               details={"symbols": unknown[:50]})
        columns = {s: minutes[s] for s in wanted}
        async for tick in clock.minutes():
            i = tick.index
            assert 0 <= i < SESSION_MINUTES
            yield tick, {
                s: Bar.model_construct(symbol=s, ts=from_ns(int(b.ts[i])), open=float(b.open[i]),
                                       high=float(b.high[i]), low=float(b.low[i]), close=float(b.close[i]),
                                       volume=float(b.volume[i]), vwap=None, trade_count=None)
                for s, b in columns.items()
            }
