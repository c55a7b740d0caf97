"""What a local run decides before it starts anything: options, start order, each service's environment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from pydantic import ValidationError

from catalyst.localrun.plan import (
    SPEC_START_ORDER,
    RunOptions,
    clock_env,
    missing_live_settings,
    service_env,
    start_order,
)
from catalyst.services import DEPENDENCIES, ServiceName

LAUNCHED = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def test_each_service_starts_after_every_peer_it_calls() -> None:
    order = start_order(list(ServiceName))
    assert sorted(order) == sorted(ServiceName)
    for service in order:
        for peer in DEPENDENCIES[service]:
            assert order.index(peer) < order.index(service), (service, peer)


def test_the_start_order_keeps_the_spec_order_where_no_call_forbids_it() -> None:
    order = start_order(list(ServiceName))
    assert order[:4] == list(SPEC_START_ORDER[:4])  # news, technical, pattern, scanner
    assert order.index(ServiceName.TRADING) < order.index(ServiceName.RISK)  # Risk calls Trading
    assert order.index(ServiceName.REPORTING) < order.index(ServiceName.WORKFLOW)  # Workflow calls Reporting
    assert order[-1] is ServiceName.ORCHESTRATION


def test_services_not_built_are_left_out_and_their_callers_still_start() -> None:
    built = [s for s in ServiceName if s is not ServiceName.ORCHESTRATION]
    assert ServiceName.ORCHESTRATION not in start_order(built)


def test_a_cycle_of_calls_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="cycle: news, technical"):
        start_order([ServiceName.NEWS, ServiceName.TECHNICAL],
                    {ServiceName.NEWS: (ServiceName.TECHNICAL,), ServiceName.TECHNICAL: (ServiceName.NEWS,)})


@pytest.mark.parametrize("speed", ["0", "-3", "10001", "fast"])
def test_a_bad_speed_is_refused(speed: str) -> None:
    with pytest.raises(ValidationError):
        RunOptions.model_validate({"speed": speed})


def test_options_as_the_command_line_spells_them() -> None:
    options = RunOptions.model_validate({"speed": "max", "day": "2013-02-27", "symbols": "aapl, msft,",
                                         "until": "11:30"})
    assert options.speed == "max"
    assert options.stepped
    assert options.day == date(2013, 2, 27)
    assert options.symbols == ("AAPL", "MSFT")
    assert options.until == time(11, 30)
    assert options.starts_at() == datetime(2013, 2, 27, 12, 59, tzinfo=UTC)  # 07:59 New York
    assert options.ends_at() == datetime(2013, 2, 27, 16, 30, tzinfo=UTC)
    assert RunOptions.model_validate({"speed": "120"}).speed == 120.0


def test_symbols_that_are_not_tickers_are_refused() -> None:
    with pytest.raises(ValidationError, match="not tickers: \\$\\$"):
        RunOptions.model_validate({"symbols": "AAPL,$$"})


def test_a_paced_run_gives_every_service_one_anchored_replay_line(tmp_path: Path) -> None:
    env = clock_env(RunOptions(speed=30.0), tmp_path / "clock", LAUNCHED)
    assert env == {"MARKET_CLOCK": "replay", "REPLAY_START": "2013-03-01T12:59:00+00:00", "REPLAY_SPEED": "30",
                   "REPLAY_ANCHOR": LAUNCHED.isoformat()}
    assert service_env(RunOptions(speed=30.0), ServiceName.WORKFLOW)["WORKFLOW_SCHEDULER"] == "true"


def test_a_max_speed_run_shares_a_stepped_clock_and_runs_the_phases_itself(tmp_path: Path) -> None:
    options = RunOptions(speed="max")
    assert clock_env(options, tmp_path / "clock", LAUNCHED) == {"MARKET_CLOCK": "shared",
                                                                "REPLAY_CLOCK_FILE": str(tmp_path / "clock")}
    assert service_env(options, ServiceName.WORKFLOW)["WORKFLOW_SCHEDULER"] == "false"
    assert "WORKFLOW_SCHEDULER" not in service_env(options, ServiceName.RISK)


def test_a_live_run_is_wall_clock_alpaca_everywhere() -> None:
    options = RunOptions(live=True, speed="max")
    assert not options.stepped  # the wall clock is nobody's to step
    assert clock_env(options, Path("unused"), LAUNCHED) == {"MARKET_CLOCK": "wall"}
    env = service_env(options, ServiceName.TRADING)
    assert (env["BROKER"], env["BAR_SOURCE"], env["NEWS_SOURCES"]) == ("alpaca", "alpaca", "alpaca")
    assert missing_live_settings({"ALPACA_API_KEY": "k"}) == ["ALPACA_SECRET_KEY"]
    assert missing_live_settings({"ALPACA_API_KEY": "k", "ALPACA_SECRET_KEY": "s"}) == []


def test_the_watchlist_reaches_the_workflow_only() -> None:
    options = RunOptions(symbols=("AAPL", "MSFT"))
    assert service_env(options, ServiceName.WORKFLOW)["WORKFLOW_WATCHLIST"] == "AAPL,MSFT"
    assert "WORKFLOW_WATCHLIST" not in service_env(options, ServiceName.SCANNER)
