"""Load the replay set into the bar store: ``python -m catalyst.market_data.load [--days N]``.

Writes the universe's daily bars (260 sessions, every symbol) and the one-minute bars of the last
``N`` replay days (default: all five), and fills each security's company name and sector. Re-running
is cheap and safe: when the store already holds every bar it says so and writes nothing; otherwise
bars already stored are kept (``on_conflict=skip``). The database comes from ``DATABASE_URL`` (or
``--database-url``) and must be migrated (``make migrate``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from catalyst.config import Settings
from catalyst.db.bars import BarStore, ConflictPolicy
from catalyst.db.pool import Database
from catalyst.domain.market import Timeframe
from catalyst.errors import CatalystError
from catalyst.logging import get_logger
from catalyst.market_data.frame import store_frame
from catalyst.market_data.universe import DEFAULT_SEED, REPLAY_DAYS, Universe, build_universe

log = get_logger(__name__)


@dataclass(frozen=True)
class LoadReport:
    daily_written: int
    minute_written: int
    days: tuple[str, ...]
    already_loaded: bool
    seconds: float


async def _stored_counts(db: Database, u: Universe, first_us: int, last_us: int) -> dict[str, int]:
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT h.timeframe, count(*) AS n FROM trading_history h JOIN securities s USING (security_id)"
            " WHERE s.symbol = ANY($1::text[]) AND h.time_id BETWEEN $2 AND $3 GROUP BY h.timeframe",
            list(u.symbols), first_us, last_us)
    return {r["timeframe"]: int(r["n"]) for r in rows}


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


async def load_replay(db: Database, *, days: int = REPLAY_DAYS, seed: int = DEFAULT_SEED) -> LoadReport:
    """Ingest the replay set (daily bars, and minute bars of the last ``days`` replay days)."""
    if not 0 <= days <= REPLAY_DAYS:
        raise ValueError(f"--days must be between 0 and {REPLAY_DAYS}")
    started = time.perf_counter()
    u = build_universe(seed)
    replay = u.replay_days[REPLAY_DAYS - days:] if days else ()
    daily = {s: u.daily[s] for s in u.symbols}
    minutes = [u.minute_bars(d) for d in replay]
    expected_daily = sum(len(b) for b in daily.values())
    expected_minutes = sum(len(b) for m in minutes for b in m.values())
    first_us = int(min(b.ts[0] for b in daily.values() if len(b))) * 1_000_000
    last_us = int(max(b.ts[-1] for m in minutes for b in m.values())) * 1_000_000 if minutes else \
        int(max(b.ts[-1] for b in daily.values() if len(b))) * 1_000_000
    counts = await _stored_counts(db, u, first_us, last_us)
    names = tuple(d.isoformat() for d in replay)
    if counts.get(Timeframe.DAY_1.value, 0) >= expected_daily and \
            counts.get(Timeframe.MIN_1.value, 0) >= expected_minutes:
        await _describe_securities(db, u)
        return LoadReport(0, 0, names, True, time.perf_counter() - started)
    store = BarStore(db)
    daily_written = await store.ingest(store_frame(daily), Timeframe.DAY_1, on_conflict=ConflictPolicy.SKIP)
    minute_written = 0
    for m in minutes:
        minute_written += await store.ingest(store_frame(m), Timeframe.MIN_1, on_conflict=ConflictPolicy.SKIP)
    await _describe_securities(db, u)
    report = LoadReport(daily_written, minute_written, names, False, time.perf_counter() - started)
    log.info("replay_loaded", seed=seed, daily=daily_written, minute=minute_written, days=list(names),
             seconds=round(report.seconds, 2))
    return report


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m catalyst.market_data.load", description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=REPLAY_DAYS,
                        help=f"replay days of one-minute bars to load, the latest first (0-{REPLAY_DAYS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the replay universe")
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    args = parser.parse_args(argv)
    if not 0 <= args.days <= REPLAY_DAYS:
        parser.error(f"--days must be between 0 and {REPLAY_DAYS}")
    return args


async def _main(args: argparse.Namespace) -> LoadReport:
    db = Database(args.database_url or Settings().database_url, min_size=1, max_size=2)
    try:
        return await load_replay(db, days=args.days, seed=args.seed)
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
        print(f"load: {report.daily_written} daily and {report.minute_written} one-minute bars written "
              f"(minute days: {', '.join(report.days) or 'none'}) in {report.seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
