"""The shared market clock: wall in production, anchored replay offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from catalyst.environment import read
from catalyst.market_clock import AnchoredReplayClock, MarketClockSettings, market_clock
from catalyst.market_data.clock import SystemClock


def test_default_is_wall_time():
    assert isinstance(market_clock(MarketClockSettings()), SystemClock)


def test_two_processes_with_the_same_anchor_agree():
    start = datetime(2013, 3, 1, 14, 30, tzinfo=UTC)
    anchor = datetime.now(UTC) - timedelta(minutes=10)
    a = AnchoredReplayClock(start, anchor=anchor, speed=6.0)
    b = AnchoredReplayClock(start, anchor=anchor, speed=6.0)
    assert abs((a.now() - b.now()).total_seconds()) < 1.0
    # ten wall minutes at 6x: one simulated hour after the start
    assert abs((a.now() - (start + timedelta(hours=1))).total_seconds()) < 6.0


def test_replay_settings_from_env(monkeypatch):
    monkeypatch.setenv("MARKET_CLOCK", "replay")
    monkeypatch.setenv("REPLAY_START", "2013-02-27T15:00:00Z")
    monkeypatch.setenv("REPLAY_SPEED", "60")
    clock = market_clock(read(MarketClockSettings))
    assert isinstance(clock, AnchoredReplayClock)
    assert clock.speed == 60.0
    assert timedelta(0) <= clock.now() - datetime(2013, 2, 27, 15, tzinfo=UTC) < timedelta(minutes=5)
