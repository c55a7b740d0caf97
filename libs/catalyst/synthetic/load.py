"""Load the replay set into the bar store: ``python -m catalyst.synthetic.load [--days N]``.

Writes the universe's daily bars and the one-minute bars of ``N`` replay days (default: all five),
and fills each security's company name and sector. ``--through DAY`` stops the data at a replay day
(daily bars up to it, minute bars of the ``N`` replay days ending with it), so services that read
"the latest bar" see that day as today; loading a later day afterwards adds only the new bars.
Re-running is cheap and safe: when the store already holds every bar it says so and writes nothing;
otherwise bars already stored are kept (``on_conflict=skip``). A synthetic symbol whose stored daily
bars differ from the replay set's (loaded by an earlier version of it, or with another seed) has its
bars rewritten instead (``on_conflict=replace``, minute bars too), so the store never keeps serving
an old plan. The database comes from ``DATABASE_URL`` (or ``--database-url``) and must be migrated
(``make migrate``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from catalyst.bar_columns import NS_PER_US, BarColumns, to_ns
from catalyst.config import Settings
from catalyst.db.bar_frame import BarFrame
from catalyst.db.bars import BarStore, ConflictPolicy
from catalyst.db.pool import Database
from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.environment import read
from catalyst.errors import CatalystError, InvalidInput
from catalyst.logging import get_logger
from catalyst.synthetic.universe import DEFAULT_SEED, REPLAY_DAYS, Universe, build_universe

log = get_logger(__name__)


@dataclass(frozen=True)
class LoadReport:
    daily_written: int
    minute_written: int
    days: tuple[str, ...]
    already_loaded: bool
    seconds: float
    stale_symbols: int = 0  # symbols whose stored daily bars were another plan's, rewritten


async def _stored(db: Database, u: Universe, timeframe: Timeframe, bars: list[BarColumns]) -> bool:
    """Whether the store already holds as many of the universe's ``timeframe`` bars over the span of
    ``bars`` as ``bars`` has (each bar is unique per symbol and time, so equal counts mean all)."""
    present = [b for b in bars if len(b)]
    if not present:
        return True
    first, last = min(int(b.ts[0]) for b in present), max(int(b.ts[-1]) for b in present)
    async with db.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT count(*) FROM trading_history h JOIN securities s USING (security_id)"
            " WHERE s.symbol = ANY($1::text[]) AND h.timeframe = $2 AND h.time_id BETWEEN $3 AND $4",
            list(u.symbols), timeframe.value, first // NS_PER_US, last // NS_PER_US)
    return int(stored) >= sum(len(b) for b in present)


async def _stale_symbols(db: Database, u: Universe) -> set[str]:
    """The synthetic symbols whose stored daily bars are not the universe's, compared in full at the
    universe's sessions (a symbol not stored yet is missing, not stale; the real symbols' bars are
    the sample data's whatever the plan, and may come from another source too)."""
    synthetic = [s for s in u.symbols if u.profiles[s].synthetic]
    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT symbol FROM securities WHERE symbol = ANY($1::text[])", synthetic)
    stored = await BarStore(db).read_many([r["symbol"] for r in rows], Timeframe.DAY_1) if rows else {}
    stale = set()
    for symbol, bars in stored.items():
        ref = u.daily[symbol]
        ts = bars.ts
        at = np.minimum(np.searchsorted(ref.ts, ts), len(ref) - 1)
        ours = ref.ts[at] == ts
        if not all(np.array_equal(getattr(ref, c)[at[ours]], getattr(bars, c)[ours])
                   for c in ("open", "high", "low", "close", "volume")):
            stale.add(symbol)
    return stale


async def _ingest(store: BarStore, bars: Mapping[str, BarColumns], timeframe: Timeframe, stale: set[str]) -> int:
    """Write ``bars``: over what is stored for the stale symbols, around it for the others."""
    written = await store.ingest(BarFrame.from_columns({s: b for s, b in bars.items() if s not in stale}),
                                 timeframe, on_conflict=ConflictPolicy.SKIP)
    if stale:
        written += await store.ingest(BarFrame.from_columns({s: b for s, b in bars.items() if s in stale}),
                                      timeframe, on_conflict=ConflictPolicy.REPLACE)
    return written


async def _describe_securities(db: Database, u: Universe) -> None:
    """Company names and GICS sectors of the universe's securities (where not set already)."""
    profiles = [u.profiles[s] for s in u.symbols]
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE securities s SET company_name = coalesce(s.company_name, p.name),"
            " sector_id = coalesce(s.sector_id, (SELECT sector_id FROM sectors WHERE name = p.sector))"
            " FROM unnest($1::text[], $2::text[], $3::text[]) AS p(symbol, name, sector)"
            " WHERE s.symbol = p.symbol AND (s.company_name IS NULL OR s.sector_id IS NULL)",
            [p.symbol for p in profiles], [p.name for p in profiles], [p.sector for p in profiles])


async def load_replay(db: Database, *, days: int | None = None, seed: int = DEFAULT_SEED,
                      through: date | None = None) -> LoadReport:
    """Ingest the replay set: daily bars up to ``through`` (default: the last replay day) and the
    minute bars of the ``days`` replay days ending with it (default: every one up to it)."""
    started = time.perf_counter()
    u = build_universe(seed)
    through = through or u.replay_days[-1]
    if through not in u.replay_days:
        raise InvalidInput(f"{through} is not a replay day", code="NOT_A_REPLAY_DAY",
                           details={"replay_days": [d.isoformat() for d in u.replay_days]})
    last = u.replay_days.index(through) + 1
    days = last if days is None else days
    if not 0 <= days <= last:
        raise InvalidInput(f"--days must be between 0 and {last} for {through}", code="INVALID_INPUT")
    replay = u.replay_days[last - days:last] if days else ()
    cutoff = to_ns(daily_bar_time(through))
    daily = {s: u.daily[s].until(cutoff) for s in u.symbols}
    minutes = [u.minute_bars(d) for d in replay]
    names = tuple(d.isoformat() for d in replay)
    stale = await _stale_symbols(db, u)
    if not stale and await _stored(db, u, Timeframe.DAY_1, list(daily.values())) and \
            await _stored(db, u, Timeframe.MIN_1, [b for m in minutes for b in m.values()]):
        await _describe_securities(db, u)
        return LoadReport(0, 0, names, True, time.perf_counter() - started)
    if stale:
        log.warning("replay_store_stale", seed=seed, symbols=len(stale), first=sorted(stale)[:5])
    store = BarStore(db)
    daily_written = await _ingest(store, daily, Timeframe.DAY_1, stale)
    minute_written = 0
    for m in minutes:
        minute_written += await _ingest(store, m, Timeframe.MIN_1, stale)
    await _describe_securities(db, u)
    report = LoadReport(daily_written, minute_written, names, False, time.perf_counter() - started, len(stale))
    log.info("replay_loaded", seed=seed, daily=daily_written, minute=minute_written, days=list(names),
             stale_symbols=len(stale), seconds=round(report.seconds, 2))
    return report


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m catalyst.synthetic.load", description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=None,
                        help=f"replay days of one-minute bars, ending with --through (0-{REPLAY_DAYS}; default: all)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the replay universe")
    parser.add_argument("--through", type=date.fromisoformat, default=None,
                        help="last replay day to load (YYYY-MM-DD; default: the last, 2013-03-01)")
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    args = parser.parse_args(argv)
    if args.days is not None and not 0 <= args.days <= REPLAY_DAYS:
        parser.error(f"--days must be between 0 and {REPLAY_DAYS}")
    return args


async def _main(args: argparse.Namespace) -> LoadReport:
    db = Database(args.database_url or read(Settings).database_url, min_size=1, max_size=2)
    try:
        return await load_replay(db, days=args.days, seed=args.seed, through=args.through)
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        report = asyncio.run(_main(args))
    except CatalystError as exc:
        print(f"load: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    if report.already_loaded:
        print(f"load: replay set (seed {args.seed}) already in the bar store", flush=True)
    else:
        rewritten = f", {report.stale_symbols} symbol(s) of another replay set rewritten" if report.stale_symbols \
            else ""
        print(f"load: {report.daily_written} daily and {report.minute_written} one-minute bars written "
              f"(minute days: {', '.join(report.days) or 'none'}){rewritten} in {report.seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
