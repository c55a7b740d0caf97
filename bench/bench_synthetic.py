"""Replay market data: building the seeded universe, synthesising minute bars, serving and loading them.

Timed here: ``build_universe`` from scratch (cache bypassed: 227 symbols x 260 daily bars, rejection
sampling of every planted setup, 520 news items), one replay day of one-minute bars for the whole
universe (227 x 390 bars from their daily bars), one symbol-day of synthesis, ``ReplayBarSource`` reads
(columnar and as pydantic ``Bar`` lists), and ``python -m catalyst.synthetic.load`` into a scratch
database (migrated, dropped at the end). Each figure is the best of several runs (median alongside).
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, date, datetime

import asyncpg
import numpy as np

from bench.common import load_average, machine_load, timed
from catalyst.bar_columns import to_ns
from catalyst.bar_sources.replay import ReplayBarSource
from catalyst.db import Database
from catalyst.db.scratch import scratch_database
from catalyst.synthetic import load
from catalyst.synthetic.intraday import synthesize_minutes
from catalyst.synthetic.universe import build_universe

ADMIN_DSN = os.environ.get("CATALYST_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_BUILD_S = 2.0  # "well under a few seconds"
DAY = date(2013, 2, 27)


def _compute() -> list[tuple[str, str, float, float, str]]:
    rows = []
    build_universe.__wrapped__(42)  # warm imports and the sample-data parse
    best, median = timed(lambda: build_universe.__wrapped__(42), 5)
    rows.append(("build_universe(42), uncached", "227 symbols x 260 days", best, median, f"< {TARGET_BUILD_S} s"))
    u = build_universe(42)
    best, median = timed(lambda: {s: u._synthesize(s, DAY) for s in u.symbols}, 5)
    rows.append(("one replay day of minute bars", f"{len(u.symbols)} x 390 bars", best, median, ""))
    d = u.daily["AAPL"]
    i = int(np.searchsorted(d.ts, to_ns(datetime(2013, 2, 27, 5, tzinfo=UTC))))
    args = (float(d.open[i]), float(d.high[i]), float(d.low[i]), float(d.close[i]), float(d.volume[i]))

    def one() -> None:
        for k in range(100):
            synthesize_minutes(*args, day=DAY, rng=np.random.default_rng(k), tick=0.0001)

    best, median = timed(one, 5)
    rows.append(("synthesize_minutes, one symbol-day", "390 bars", best / 100, median / 100, ""))
    src = ReplayBarSource()
    start, end = datetime(2013, 2, 27, tzinfo=UTC), datetime(2013, 2, 28, tzinfo=UTC)
    symbols = list(u.symbols)
    first, last = datetime(2012, 1, 1, tzinfo=UTC), datetime(2013, 3, 2, tzinfo=UTC)
    n_min = sum(len(b) for b in asyncio.run(src.get_series(symbols, "1Min", start, end)).values())
    n_day = sum(len(b) for b in asyncio.run(src.get_series(symbols, "1Day", first, last)).values())
    best, median = timed(lambda: asyncio.run(src.get_series(symbols, "1Min", start, end)), 5)
    rows.append(("ReplayBarSource.get_series, 1Min, a day, all symbols", f"{n_min:,} bars", best, median, ""))
    best, median = timed(lambda: asyncio.run(src.get_bars(symbols, "1Min", start, end)), 3)
    rows.append(("ReplayBarSource.get_bars (pydantic Bars), same", f"{n_min:,} bars", best, median, ""))
    best, median = timed(lambda: asyncio.run(src.get_series(symbols, "1Day", first, last)), 5)
    rows.append(("ReplayBarSource.get_series, 1Day, all symbols", f"{n_day:,} bars", best, median, ""))
    return rows


async def _loader() -> list[tuple[str, str, float, float, str]]:
    async with scratch_database(ADMIN_DSN, "catalyst_bench") as dsn:
        db = Database(dsn, min_size=1, max_size=2)
        try:
            t0 = time.perf_counter()
            report = await load.load_replay(db)
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            await load.load_replay(db)
            again = time.perf_counter() - t0
        finally:
            await db.close()
    rows = f"{report.daily_written:,} daily + {report.minute_written:,} minute"
    return [("load (all five replay days)", rows, first, first, ""),
            ("load again (already loaded)", "0", again, again, "")]


def run() -> str:
    load_before = load_average()
    rows = _compute()
    try:
        rows += asyncio.run(_loader())
        loaded = ""
    except (OSError, asyncpg.PostgresError) as exc:
        loaded = f" The loader was not timed: PostgreSQL unreachable ({exc})."
    build = rows[0][2]
    lines = [
        "## Replay market data (universe, minute synthesis, replay source, loader)",
        "",
        "Command: `make bench` (alone: `.venv/bin/python -m bench synthetic`). Seed 42; the universe is 222 "
        "synthetic symbols and the five real bokeh-sampledata ones over 260 sessions, one-minute bars for the "
        "five replay days. Best of several runs (median beside it).",
        "",
        "| What | Size | Best (s) | Median (s) | Target |",
        "|---|---|---:|---:|---|",
        *[f"| {what} | {size} | {best:.4f} | {median:.4f} | {target} |" for what, size, best, median, target in rows],
        "",
        f"Universe build target (well under a few seconds, {TARGET_BUILD_S} s): "
        f"**{'met' if build < TARGET_BUILD_S else 'NOT met'}** ({build:.2f} s).{loaded}",
        "",
        machine_load(load_before) +
        "figures taken while other jobs load the CPU are noisy. The loader time is mostly PostgreSQL "
        "(BarStore's COPY into trading_history with its foreign keys).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
