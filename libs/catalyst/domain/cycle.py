"""The trading cycle's vocabulary: its states, the phases a caller asks for, and how a working phase ends.

Words only; the table of which step leads where is ``catalyst.workflow.cycle``.
"""

from __future__ import annotations

from enum import StrEnum


class CycleState(StrEnum):
    CREATED = "created"
    PRE_MARKET = "pre_market"
    SCANNING = "scanning"
    READY = "ready"
    TRADING = "trading"
    CLOSING = "closing"
    CLOSED = "closed"
    STOPPED = "stopped"
    HALTED = "halted"
    ERROR = "error"


class Phase(StrEnum):
    """What a caller can ask of a cycle (``POST /api/v1/workflow/phases/{phase}``, ``catalyst phase``)."""

    START_SESSION = "start_session"
    PRE_MARKET_SCAN = "pre_market_scan"
    MARKET_OPEN = "market_open"
    MONITOR = "monitor"
    MARKET_CLOSE = "market_close"
    STOP_SESSION = "stop_session"
    HALT = "halt"


class Outcome(StrEnum):
    """How a phase that passes through a working state (scanning, closing) ended."""

    FINISHED = "finished"
    FAILED = "failed"
