"""FileBarSource on real CSV and Parquet files in a temporary folder."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalyst.bar_columns import to_ns
from catalyst.bar_sources.config import BarSourceSettings
from catalyst.bar_sources.factory import bar_source_from_settings
from catalyst.bar_sources.files import FileBarSource
from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.errors import InvalidInput
from catalyst.synthetic.sampledata import load_daily
from catalyst.synthetic.universe import build_universe

FEB = datetime(2013, 2, 1, tzinfo=UTC)
MAR = datetime(2013, 3, 2, tzinfo=UTC)
DAY = date(2013, 2, 25)

HEADER = "symbol,timestamp,open,high,low,close,volume\n"


def write_daily_csv(path: Path, symbol: str = "AAPL", days: int = 20) -> None:
    h = load_daily()[symbol]
    rows = [f"{symbol},{h.days[i].isoformat()},{h.open[i]},{h.high[i]},{h.low[i]},{h.close[i]},{int(h.volume[i])}"
            for i in range(len(h.days) - days, len(h.days))]
    path.write_text(HEADER + "\n".join(rows) + "\n")


def write_minutes_parquet(path: Path, symbol: str = "MSFT") -> None:
    m = build_universe(42).minute_bars(DAY)[symbol]
    table = pa.table({
        "Symbol": [symbol] * len(m),
        "Timestamp": pa.array(pd.to_datetime(m.ts, unit="ns", utc=True)),
        "Open": m.open, "High": m.high, "Low": m.low, "Close": m.close, "Volume": m.volume,
    })
    pq.write_table(table, path)


async def test_daily_csv_with_dates(tmp_path: Path) -> None:
    write_daily_csv(tmp_path / "AAPL_1Day.csv")
    bars = (await FileBarSource(tmp_path).get_bars(["AAPL"], Timeframe.DAY_1, FEB, MAR))["AAPL"]
    h = load_daily()["AAPL"]
    assert len(bars) == 20
    assert bars[-1].ts == daily_bar_time(date(2013, 3, 1))
    assert (bars[-1].open, bars[-1].high, bars[-1].low, bars[-1].close, bars[-1].volume) == (
        h.open[-1], h.high[-1], h.low[-1], h.close[-1], h.volume[-1])


async def test_minute_parquet_served_and_aggregated(tmp_path: Path) -> None:
    write_minutes_parquet(tmp_path / "session.1Min.parquet")
    src = FileBarSource(tmp_path)
    one = (await src.get_series(["MSFT"], "1Min", FEB, MAR))["MSFT"]
    five = (await src.get_series(["MSFT"], "5Min", FEB, MAR))["MSFT"]
    hour = (await src.get_series(["MSFT"], "1Hour", FEB, MAR))["MSFT"]
    day = (await src.get_bars(["MSFT"], "1Day", FEB, MAR))["MSFT"]
    assert (len(one), len(five), len(hour), len(day)) == (390, 78, 7, 1)
    assert five.volume.sum() == one.volume.sum()
    assert five.high[0] == one.high[:5].max()
    d = build_universe(42).daily["MSFT"]
    i = int(np.searchsorted(d.ts, to_ns(daily_bar_time(DAY))))
    assert day[0].ts == daily_bar_time(DAY)
    assert (day[0].open, day[0].high, day[0].low, day[0].close, day[0].volume) == (
        d.open[i], d.high[i], d.low[i], d.close[i], d.volume[i])


async def test_timezones_offsets_and_timeframe_column(tmp_path: Path) -> None:
    (tmp_path / "mixed.csv").write_text(
        "SYMBOL,Time,Open,High,Low,Close,Volume,Timeframe,VWAP,trade_count\n"
        "ibm,2013-02-25T14:30:00Z,197.0,197.5,196.9,197.2,1000,1Min,197.2,12\n"
        "ibm,2013-02-25 09:31:00,197.2,197.3,197.0,197.1,900,1min,197.15,10\n"
        "ibm,2013-02-25T09:32:00-05:00,197.1,197.2,197.0,197.0,800,1Min,197.1,9\n"
        "ibm,2013-02-25,196.5,199.0,196.0,197.5,3844800,1Day,,\n")
    src = FileBarSource(tmp_path)
    minutes = (await src.get_bars(["IBM"], "1Min", FEB, MAR))["IBM"]
    assert [b.ts for b in minutes] == [datetime(2013, 2, 25, 14, m, tzinfo=UTC) for m in (30, 31, 32)]
    assert minutes[1].vwap == 197.15
    assert minutes[1].trade_count == 10
    daily = (await src.get_bars(["IBM"], "1Day", FEB, MAR))["IBM"]
    assert daily[0].ts == datetime(2013, 2, 25, 5, 0, tzinfo=UTC)
    assert daily[0].vwap is None


async def test_range_is_inclusive_and_unknown_symbols_are_empty(tmp_path: Path) -> None:
    write_daily_csv(tmp_path / "AAPL_1Day.csv")
    src = FileBarSource(tmp_path)
    first, last = daily_bar_time(date(2013, 2, 26)), daily_bar_time(date(2013, 2, 28))
    bars = await src.get_bars(["AAPL", "ZZZ"], "1Day", first, last)
    assert [b.ts for b in bars["AAPL"]] == [first, daily_bar_time(date(2013, 2, 27)), last]
    assert bars["ZZZ"] == []


def bad_file(tmp_path: Path, body: str, name: str = "bad_1Min.csv") -> FileBarSource:
    (tmp_path / name).write_text(body)
    return FileBarSource(tmp_path)


async def test_missing_column(tmp_path: Path) -> None:
    src = bad_file(tmp_path, "symbol,timestamp,open,high,low,close\nIBM,2013-02-25T14:30:00Z,1,2,0.5,1.5\n")
    with pytest.raises(InvalidInput) as err:
        await src.get_bars(["IBM"], "1Min", FEB, MAR)
    assert err.value.code == "MISSING_COLUMNS"
    assert err.value.details["missing"] == ["volume"]
    assert err.value.details["file"] == "bad_1Min.csv"


@pytest.mark.parametrize(("row", "reason"), [
    ("IBM,2013-02-25T14:31:00Z,10,9,9.5,9.8,100", "high < low"),
    ("IBM,2013-02-25T14:31:00Z,10,11,9.5,abc,100", "close 'abc' is not a number"),
    ("IBM,2013-02-25T14:31:00Z,10,11,9.5,,100", "close is missing"),
    ("IBM,2013-02-30T14:31:00Z,10,11,9.5,10,100", "not an ISO 8601 time"),
    ("IBM,2013-03-10 02:30:00,10,11,9.5,10,100", "does not exist in America/New_York"),
    ("IBM,2013-02-25T14:31:30Z,10,11,9.5,10,100", "timestamp not aligned to 1Min"),
    ("IBM,2013-02-25T14:31:00Z,10,11,9.5,12,100", "close outside [low, high]"),
    ("IBM,2013-02-25T14:31:00Z,10,11,9.5,10,-5", "volume < 0"),
    ("IBM,2013-02-25T14:31:00Z,0,11,0,10,100", "price <= 0"),
    ("BAD SYMBOL,2013-02-25T14:31:00Z,10,11,9.5,10,100", "invalid symbol"),
    ("IBM,2013-02-25T14:30:00Z,10,11,9.5,10,100", "duplicate (symbol, ts) in batch"),
])
async def test_bad_rows_are_named(tmp_path: Path, row: str, reason: str) -> None:
    good = "IBM,2013-02-25T14:30:00Z,10,11,9.5,10,100"
    src = bad_file(tmp_path, f"{HEADER}{good}\n{row}\n")
    with pytest.raises(InvalidInput) as err:
        await src.get_bars(["IBM"], "1Min", FEB, MAR)
    assert reason in err.value.message
    assert err.value.details["row"] == 2
    assert err.value.message.startswith("bad_1Min.csv row 2:")


async def test_file_without_a_timeframe(tmp_path: Path) -> None:
    src = bad_file(tmp_path, HEADER + "IBM,2013-02-25,10,11,9.5,10,100\n", name="ibm.csv")
    with pytest.raises(InvalidInput) as err:
        await src.get_bars(["IBM"], "1Day", FEB, MAR)
    assert err.value.code == "UNKNOWN_TIMEFRAME"


async def test_unknown_timeframe_value(tmp_path: Path) -> None:
    src = bad_file(tmp_path, HEADER.strip() + ",timeframe\nIBM,2013-02-25,10,11,9.5,10,100,2Min\n", name="x.csv")
    with pytest.raises(InvalidInput, match="unknown timeframe"):
        await src.get_bars(["IBM"], "1Day", FEB, MAR)


async def test_same_bar_in_two_files(tmp_path: Path) -> None:
    write_daily_csv(tmp_path / "a_1Day.csv", days=5)
    write_daily_csv(tmp_path / "b_1Day.csv", days=2)
    with pytest.raises(InvalidInput) as err:
        await FileBarSource(tmp_path).get_bars(["AAPL"], "1Day", FEB, MAR)
    assert err.value.code == "DUPLICATE_BARS"
    assert err.value.details["files"] == ["a_1Day.csv", "b_1Day.csv"]


async def test_changed_files_are_reread(tmp_path: Path) -> None:
    path = tmp_path / "AAPL_1Day.csv"
    write_daily_csv(path, days=3)
    src = FileBarSource(tmp_path)
    assert len((await src.get_bars(["AAPL"], "1Day", FEB, MAR))["AAPL"]) == 3
    write_daily_csv(path, days=7)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert len((await src.get_bars(["AAPL"], "1Day", FEB, MAR))["AAPL"]) == 7
    write_daily_csv(tmp_path / "MSFT.1Day.csv", "MSFT", days=4)
    assert len((await src.get_bars(["MSFT"], "1Day", FEB, MAR))["MSFT"]) == 4
    path.unlink()
    assert (await src.get_bars(["AAPL"], "1Day", FEB, MAR))["AAPL"] == []


async def test_empty_folder_and_settings(tmp_path: Path) -> None:
    src = bar_source_from_settings(BarSourceSettings(BAR_SOURCE="files", BAR_FILES_DIR=str(tmp_path)))
    assert isinstance(src, FileBarSource)
    assert await src.get_bars(["AAPL"], "1Day", FEB, MAR) == {"AAPL": []}
    with pytest.raises(ValueError, match="not a folder"):
        FileBarSource(tmp_path / "missing")
    with pytest.raises(ValueError, match="BAR_FILES_DIR"):
        BarSourceSettings(BAR_SOURCE="files")
