"""The shared replay clock: one process steps it (``ClockDial``), every other reads the same now."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst.clock import ClockDial, MarketClockSettings, SharedReplayClock, market_clock
from catalyst.environment import read
from catalyst.errors import InvalidInput

START = datetime(2013, 3, 1, 13, 0, tzinfo=UTC)


def test_a_reader_sees_each_step_of_the_dial(tmp_path: Path) -> None:
    dial = ClockDial(tmp_path / "clock", START)
    reader = SharedReplayClock(tmp_path / "clock")
    assert reader.now() == START
    dial.set(START + timedelta(minutes=1, microseconds=7))
    assert reader.now() == START + timedelta(minutes=1, microseconds=7)
    assert dial.now() == reader.now()


def test_the_dial_never_goes_back(tmp_path: Path) -> None:
    dial = ClockDial(tmp_path / "clock", START)
    dial.set(START + timedelta(hours=1))
    with pytest.raises(ValueError, match="cannot go back"):
        dial.set(START)
    assert SharedReplayClock(tmp_path / "clock").now() == START + timedelta(hours=1)


def test_another_process_reads_the_time_the_dial_set(tmp_path: Path) -> None:
    dial = ClockDial(tmp_path / "clock", START)
    dial.set(START + timedelta(minutes=390))
    probe = ("import sys; from pathlib import Path; from catalyst.clock import SharedReplayClock; "
             "print(SharedReplayClock(Path(sys.argv[1])).now().isoformat())")
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "clock")], capture_output=True, text=True,
                          timeout=60, check=True, env={"PYTHONPATH": ":".join(p for p in sys.path if p)})
    assert done.stdout.strip() == (START + timedelta(minutes=390)).isoformat()


def test_a_reader_racing_the_dial_only_ever_sees_times_the_dial_set(tmp_path: Path) -> None:
    """The seqlock: no torn read mixing two writes, and time read never moves backwards."""
    dial = ClockDial(tmp_path / "clock", START)
    reader = SharedReplayClock(tmp_path / "clock")
    steps = [START + timedelta(seconds=s, microseconds=s % 997) for s in range(1, 20_001)]
    allowed = {START, *steps}
    seen: list[datetime] = []
    done = threading.Event()

    def read_until_done() -> None:
        while not done.is_set():
            seen.append(reader.now())

    thread = threading.Thread(target=read_until_done)
    thread.start()
    for ts in steps:
        dial.set(ts)
    done.set()
    thread.join()
    assert set(seen) <= allowed
    assert seen == sorted(seen)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_any_instant_survives_the_file_to_the_microsecond(ts: datetime) -> None:
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        ClockDial(Path(tmp) / "clock", ts)
        assert SharedReplayClock(Path(tmp) / "clock").now() == ts


def test_market_clock_shared_needs_the_dial_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MARKET_CLOCK", "shared")
    with pytest.raises(InvalidInput, match="REPLAY_CLOCK_FILE"):
        market_clock(read(MarketClockSettings))
    ClockDial(tmp_path / "clock", START)
    monkeypatch.setenv("REPLAY_CLOCK_FILE", str(tmp_path / "clock"))
    clock = market_clock(read(MarketClockSettings))
    assert isinstance(clock, SharedReplayClock)
    assert clock.now() == START
