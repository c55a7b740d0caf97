"""The trading cycle's transition table: every (state, step) pair, legal or not, against the table written
out here by hand (the day's walk, stops, halts, failures and retries)."""

from __future__ import annotations

import itertools

import pytest

from catalyst.workflow.cycle import (
    TRANSITIONS,
    WAITING,
    CycleState,
    IllegalTransition,
    Outcome,
    Phase,
    Step,
    advance,
    allowed_phases,
    leads_to,
    waiting_reason,
)

S, P, OUT = CycleState, Phase, Outcome

EXPECTED: dict[tuple[CycleState, Step], CycleState] = {
    # the day's walk
    (S.CREATED, P.START_SESSION): S.PRE_MARKET,
    (S.CREATED, P.PRE_MARKET_SCAN): S.SCANNING,
    (S.PRE_MARKET, P.PRE_MARKET_SCAN): S.SCANNING,
    (S.SCANNING, OUT.FINISHED): S.READY,
    (S.READY, P.MARKET_OPEN): S.TRADING,
    (S.TRADING, P.MONITOR): S.TRADING,
    (S.TRADING, P.MARKET_CLOSE): S.CLOSING,
    (S.CLOSING, OUT.FINISHED): S.CLOSED,
    # stopping the session: no new trades, still watched and closed
    (S.CREATED, P.STOP_SESSION): S.STOPPED,
    (S.PRE_MARKET, P.STOP_SESSION): S.STOPPED,
    (S.READY, P.STOP_SESSION): S.STOPPED,
    (S.TRADING, P.STOP_SESSION): S.STOPPED,
    (S.ERROR, P.STOP_SESSION): S.STOPPED,
    (S.STOPPED, P.MONITOR): S.STOPPED,
    (S.STOPPED, P.MARKET_CLOSE): S.CLOSING,
    # halting (the emergency stop) from anywhere but a halt
    (S.CREATED, P.HALT): S.HALTED,
    (S.PRE_MARKET, P.HALT): S.HALTED,
    (S.SCANNING, P.HALT): S.HALTED,
    (S.READY, P.HALT): S.HALTED,
    (S.TRADING, P.HALT): S.HALTED,
    (S.STOPPED, P.HALT): S.HALTED,
    (S.CLOSING, P.HALT): S.HALTED,
    (S.CLOSED, P.HALT): S.HALTED,
    (S.ERROR, P.HALT): S.HALTED,
    (S.HALTED, P.MONITOR): S.HALTED,
    (S.HALTED, P.MARKET_CLOSE): S.CLOSING,
    # failures, and running the failed phase again
    (S.SCANNING, OUT.FAILED): S.ERROR,
    (S.CLOSING, OUT.FAILED): S.ERROR,
    (S.ERROR, P.PRE_MARKET_SCAN): S.SCANNING,
    (S.ERROR, P.MARKET_CLOSE): S.CLOSING,
    (S.ERROR, P.MONITOR): S.ERROR,
}

STEPS: list[Step] = [*Phase, *Outcome]
PAIRS = list(itertools.product(CycleState, STEPS))


def test_the_table_is_exactly_the_expected_one() -> None:
    assert dict(TRANSITIONS) == EXPECTED


@pytest.mark.parametrize(("state", "step"), [p for p in PAIRS if p in EXPECTED],
                         ids=[f"{s.value}-{t.value}" for s, t in PAIRS if (s, t) in EXPECTED])
def test_a_legal_step_leads_to_its_state(state: CycleState, step: Step) -> None:
    assert advance(state, step) is EXPECTED[(state, step)]


@pytest.mark.parametrize(("state", "step"), [p for p in PAIRS if p not in EXPECTED],
                         ids=[f"{s.value}-{t.value}" for s, t in PAIRS if (s, t) not in EXPECTED])
def test_an_illegal_step_is_refused_naming_the_state_and_what_it_allows(state: CycleState, step: Step) -> None:
    with pytest.raises(IllegalTransition) as refused:
        advance(state, step)
    error = refused.value
    assert error.status_code == 409
    assert error.code == "ILLEGAL_TRANSITION"
    allowed = [p.value for p in Phase if (state, p) in EXPECTED]
    assert error.details == {"state": state.value, "phase": step.value, "allowed": allowed}
    assert state.value in error.message


def test_the_day_walks_from_created_to_closed() -> None:
    state = S.CREATED
    for step in (P.START_SESSION, P.PRE_MARKET_SCAN, OUT.FINISHED, P.MARKET_OPEN, P.MONITOR, P.MARKET_CLOSE,
                 OUT.FINISHED):
        state = advance(state, step)
    assert state is S.CLOSED
    assert allowed_phases(S.CLOSED) == [P.HALT]


def test_a_failed_run_is_recognised_by_the_state_it_left() -> None:
    assert leads_to(P.HALT, S.HALTED)
    assert leads_to(P.MONITOR, S.TRADING)
    assert not leads_to(P.MARKET_OPEN, S.HALTED)


def test_the_monitor_waits_for_the_open_and_does_nothing_once_the_close_began() -> None:
    """Every state answers the every-minute monitor without a 409: it runs, waits, or (closing, closed) rests."""
    waits = {s for (s, step) in WAITING if step is P.MONITOR}
    assert waits == {S.CREATED, S.PRE_MARKET, S.SCANNING, S.READY, S.CLOSING, S.CLOSED}
    assert {s for s in CycleState if (s, P.MONITOR) in TRANSITIONS} | waits == set(CycleState)
    assert not set(WAITING) & set(TRANSITIONS)
    assert waiting_reason(S.READY, P.MONITOR) == ("monitor does nothing while the cycle is ready: the market has "
                                                   "not opened for this cycle yet (market_open moves it to trading)")
    assert waiting_reason(S.TRADING, P.MONITOR) is None
    assert waiting_reason(S.CREATED, P.MARKET_OPEN) is None  # asked out of order: still a 409


def test_a_session_start_after_the_day_began_is_an_answer_not_a_conflict() -> None:
    """The pre-market scan starts a cycle from created by itself; the trader's start_session after it
    says the day is under way (ran: false), and a closed or stopped day still refuses it."""
    for state in (S.SCANNING, S.READY, S.TRADING):
        assert waiting_reason(state, P.START_SESSION) == (
            f"start_session does nothing while the cycle is {state.value}: the day's session is already under way")
    assert waiting_reason(S.CLOSED, P.START_SESSION) is None
    assert waiting_reason(S.STOPPED, P.START_SESSION) is None
