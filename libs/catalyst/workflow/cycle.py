"""The trading cycle as one transition table: ``(state, step) -> next state``.

A day's cycle walks ``created → pre_market → scanning → ready → trading → closing → closed``.
A step is a phase (what a caller asks for: the CronJobs, Orchestration, the operator) or the
outcome of a phase that takes a while (the scan, the close: ``finished`` or ``failed``). Every state
change goes through :func:`advance`, so an illegal one (a market open before the scan, a second
close) is refused in one place with the current state and the phases it allows.

- ``stopped``: the session was stopped (no new trades); positions are still watched and closed.
- ``halted``: the operator or Orchestration halted trading through the Risk Manager's emergency stop.
- ``error``: a scan or a close failed; the same phase may run again, and open positions are still watched.
- ``closed``: the day is over; only a halt (an emergency stop after the close) leaves it.

Some steps a state does not take are no fault of the caller's: the monitor runs every minute of
trading hours by the clock, so it can reach a cycle the open has not moved yet (the 09:30 CronJobs
race), or one an early (forced) close has closed, or a session start after the scheduler's scan has
already started the day. ``WAITING`` names those: they answer
``ran: false`` with the reason (a CronJob that exits 0), not 409. What is left illegal is a step
someone asked for out of order (a market open before the scan, a second close).
"""

from __future__ import annotations

from types import MappingProxyType

from catalyst.domain.cycle import CycleState, Outcome, Phase
from catalyst.errors import Conflict

__all__ = ["ENTRY_STATES", "PREVIEW_STATES", "TRANSITIONS", "WAITING", "WORKING_STATES", "CycleState",
           "IllegalTransition", "Outcome", "Phase", "Step", "advance", "allowed_phases", "can_advance", "leads_to",
           "waiting_reason"]


Step = Phase | Outcome

_S, _P, _O = CycleState, Phase, Outcome

TRANSITIONS: MappingProxyType[tuple[CycleState, Step], CycleState] = MappingProxyType({
    (_S.CREATED, _P.START_SESSION): _S.PRE_MARKET,
    (_S.CREATED, _P.PRE_MARKET_SCAN): _S.SCANNING,
    (_S.CREATED, _P.STOP_SESSION): _S.STOPPED,
    (_S.CREATED, _P.HALT): _S.HALTED,
    (_S.PRE_MARKET, _P.PRE_MARKET_SCAN): _S.SCANNING,
    (_S.PRE_MARKET, _P.STOP_SESSION): _S.STOPPED,
    (_S.PRE_MARKET, _P.HALT): _S.HALTED,
    (_S.SCANNING, _O.FINISHED): _S.READY,
    (_S.SCANNING, _O.FAILED): _S.ERROR,
    (_S.SCANNING, _P.HALT): _S.HALTED,
    (_S.READY, _P.MARKET_OPEN): _S.TRADING,
    (_S.READY, _P.STOP_SESSION): _S.STOPPED,
    (_S.READY, _P.HALT): _S.HALTED,
    (_S.TRADING, _P.MONITOR): _S.TRADING,
    (_S.TRADING, _P.MARKET_CLOSE): _S.CLOSING,
    (_S.TRADING, _P.STOP_SESSION): _S.STOPPED,
    (_S.TRADING, _P.HALT): _S.HALTED,
    (_S.STOPPED, _P.MONITOR): _S.STOPPED,
    (_S.STOPPED, _P.MARKET_CLOSE): _S.CLOSING,
    (_S.STOPPED, _P.HALT): _S.HALTED,
    (_S.HALTED, _P.MONITOR): _S.HALTED,
    (_S.HALTED, _P.MARKET_CLOSE): _S.CLOSING,
    (_S.CLOSING, _O.FINISHED): _S.CLOSED,
    (_S.CLOSING, _O.FAILED): _S.ERROR,
    (_S.CLOSING, _P.HALT): _S.HALTED,
    (_S.CLOSED, _P.HALT): _S.HALTED,
    (_S.ERROR, _P.PRE_MARKET_SCAN): _S.SCANNING,
    (_S.ERROR, _P.MONITOR): _S.ERROR,
    (_S.ERROR, _P.MARKET_CLOSE): _S.CLOSING,
    (_S.ERROR, _P.STOP_SESSION): _S.STOPPED,
    (_S.ERROR, _P.HALT): _S.HALTED,
})

_UNDER_WAY = "the day's session is already under way"
_NOT_OPEN_YET = "the market has not opened for this cycle yet (market_open moves it to trading)"

WAITING: MappingProxyType[tuple[CycleState, Step], str] = MappingProxyType({
    (_S.CREATED, _P.MONITOR): _NOT_OPEN_YET,
    (_S.PRE_MARKET, _P.MONITOR): _NOT_OPEN_YET,
    (_S.SCANNING, _P.MONITOR): _NOT_OPEN_YET,
    (_S.READY, _P.MONITOR): _NOT_OPEN_YET,
    (_S.CLOSING, _P.MONITOR): "the close is flattening every position",
    (_S.CLOSED, _P.MONITOR): "the day is closed: every position was flattened",
    # the scheduler's pre-market scan starts the day by itself: a trader who then starts it is told so
    (_S.SCANNING, _P.START_SESSION): _UNDER_WAY,
    (_S.READY, _P.START_SESSION): _UNDER_WAY,
    (_S.TRADING, _P.START_SESSION): _UNDER_WAY,
})
"""Steps outside ``TRANSITIONS`` that are a normal "not now" in that state (``ran: false``, never 409)."""

WORKING_STATES = frozenset({CycleState.SCANNING, CycleState.CLOSING})
"""States a phase passes through while it works; an ``Outcome`` leaves them."""

ENTRY_STATES = frozenset({CycleState.TRADING})
"""States in which a trade request may place a new entry."""

PREVIEW_STATES = frozenset({CycleState.READY, CycleState.TRADING})
"""States in which a trade request may be previewed (validated by Risk, nothing sent)."""


class IllegalTransition(Conflict):
    """A step the cycle's state does not allow (409), naming the state and the phases it allows."""

    default_code = "ILLEGAL_TRANSITION"


def allowed_phases(state: CycleState) -> list[Phase]:
    """The phases ``state`` accepts, in the order of ``Phase``."""
    return [p for p in Phase if (state, p) in TRANSITIONS]


def leads_to(step: Step, state: CycleState) -> bool:
    """Whether ``step`` can have brought a cycle to ``state`` (a failed run of it is being run again)."""
    return any(p is step and to is state for (_, p), to in TRANSITIONS.items())


def waiting_reason(state: CycleState, step: Step) -> str | None:
    """Why ``step`` does nothing in ``state`` without being refused (``WAITING``); None otherwise."""
    why = WAITING.get((state, step))
    return None if why is None else f"{step.value} does nothing while the cycle is {state.value}: {why}"


def can_advance(state: CycleState, step: Step) -> bool:
    return (state, step) in TRANSITIONS


def advance(state: CycleState, step: Step) -> CycleState:
    """The state after ``step``; raises ``IllegalTransition`` when the table has no such entry."""
    following = TRANSITIONS.get((state, step))
    if following is None:
        allowed = [p.value for p in allowed_phases(state)]
        raise IllegalTransition(
            f"a cycle in state {state.value} cannot take {step.value}"
            + (f"; it allows {', '.join(allowed)}" if allowed else "; it allows nothing more"),
            details={"state": state.value, "phase": step.value, "allowed": allowed},
        )
    return following
