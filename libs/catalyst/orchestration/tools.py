"""The MCP tools: names, typed parameters and descriptions for the model, annotations, toolsets.

Each tool belongs to one toolset (``read``, ``trade``, ``risk``); ``register`` adds only those the
settings expose, and in read-only mode only the ones that move no money and change no limit, so the
others are absent from ``tools/list`` rather than refused. The annotations say what each truly does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastmcp import FastMCP
from mcp_types import ToolAnnotations
from pydantic import Field

from catalyst.contracts.mcp import McpTool
from catalyst.domain.cycle import Phase
from catalyst.orchestration import models
from catalyst.orchestration.config import OrchestrationSettings, Toolset
from catalyst.orchestration.desk import Desk

DeskSource = Callable[[], Desk]

Symbol = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z.]{0,9}$", description="Ticker, e.g. AAPL")]
Reason = Annotated[str, Field(min_length=1, max_length=500, description="Why, in the user's words (kept in the log)")]
Token = Annotated[str | None, Field(max_length=2000, description=(
    "Leave empty for a preview. To act, the confirmation_token a preview returned, with the same arguments, "
    "after the user agreed"))]
Price = Annotated[float | None, Field(gt=0, le=1_000_000, description="Dollars; empty: from the scan's setup")]


@dataclass(frozen=True)
class ToolSpec:
    name: McpTool  # the one list of names: catalyst.contracts.mcp
    toolset: Toolset
    moves_money: bool  # or changes a limit: never exposed in read-only mode
    annotations: ToolAnnotations


def _notes(title: str, *, read_only: bool, destructive: bool = False, idempotent: bool = True,
           open_world: bool = False) -> ToolAnnotations:
    return ToolAnnotations(title=title, read_only_hint=read_only, destructive_hint=destructive,
                           idempotent_hint=idempotent, open_world_hint=open_world)


# openWorld: the call reaches the broker and the market, outside Catalyst.
SPECS: dict[str, ToolSpec] = {s.name.value: s for s in (
    ToolSpec(McpTool.GET_SCAN_RESULTS, Toolset.READ, False, _notes("Latest scan results", read_only=True)),
    ToolSpec(McpTool.GET_CANDIDATE_ANALYSIS, Toolset.READ, False, _notes("One symbol's scan verdict", read_only=True)),
    ToolSpec(McpTool.GET_RISK_STATUS, Toolset.READ, False, _notes("Risk status", read_only=True)),
    ToolSpec(McpTool.GET_PERFORMANCE_REPORT, Toolset.READ, False, _notes("Performance report", read_only=True)),
    ToolSpec(McpTool.GET_TRADE_JOURNAL, Toolset.READ, False, _notes("Trade journal", read_only=True)),
    ToolSpec(McpTool.START_TRADING_SESSION, Toolset.TRADE, True, _notes("Start the trading session", read_only=False)),
    ToolSpec(McpTool.STOP_TRADING_SESSION, Toolset.TRADE, True,
             _notes("Stop the trading session", read_only=False, destructive=True)),
    ToolSpec(McpTool.EXECUTE_TRADE, Toolset.TRADE, True,
             _notes("Preview, then place, a trade", read_only=False, destructive=True, open_world=True)),
    ToolSpec(McpTool.CLOSE_POSITION, Toolset.TRADE, True,
             _notes("Close a position", read_only=False, destructive=True, open_world=True)),
    ToolSpec(McpTool.UPDATE_RISK_PARAMETER, Toolset.RISK, True,
             _notes("Change one risk limit", read_only=False, destructive=True)),
    ToolSpec(McpTool.EMERGENCY_STOP, Toolset.RISK, True,
             _notes("Emergency stop: halt, cancel, flatten", read_only=False, destructive=True, open_world=True)),
)}


def exposed_tools(settings: OrchestrationSettings) -> list[str]:
    """The tool names the settings expose (toolsets, then read-only mode)."""
    return [s.name.value for s in SPECS.values()
            if s.toolset in settings.exposed() and not (settings.read_only and s.moves_money)]


def register(server: FastMCP, settings: OrchestrationSettings, desk: DeskSource) -> None:
    tools = _tool_functions(desk)
    for name in exposed_tools(settings):
        spec = SPECS[name]
        server.tool(tools[name], name=name, annotations=spec.annotations, tags={spec.toolset.value})


def _tool_functions(desk: DeskSource) -> dict[str, Callable[..., Any]]:  # one closure per tool
    async def get_scan_results(
            limit: Annotated[int, Field(ge=1, le=200, description="Most candidates to return, best first")] = 20,
    ) -> models.ScanResults:
        """The latest market scan: the funnel's stage counts and the ranked candidates (scores, the setup's
        entry/stop/target, the news catalyst). Headlines are outside text, inside an untrusted envelope."""
        return await desk().scan_results(limit)

    async def get_candidate_analysis(symbol: Symbol) -> models.CandidateAnalysis:
        """Why one symbol is, or is not, a candidate in the latest scan: the stage it reached, where it was
        dropped and the metric that dropped it, or its candidacy with scores and levels."""
        return await desk().candidate_analysis(symbol)

    async def get_risk_status() -> models.RiskStatusResult:
        """The Risk Manager's state now: P&L today, daily loss used, exposure, open positions, every limit's
        usage and the active alerts, and the trading mode."""
        return await desk().risk_status()

    async def get_performance_report(
            period: Annotated[Literal["daily", "weekly"], Field(description="daily or weekly")] = "daily",
            day: Annotated[date | None, Field(description="A day of the period (YYYY-MM-DD); empty: today")] = None,
    ) -> models.PerformanceResult:
        """Performance for a day or a week: P&L, win rate, profit factor, drawdown, by pattern and catalyst."""
        return await desk().performance(period, day)

    async def get_trade_journal(
            start: Annotated[date | None, Field(description="First day (YYYY-MM-DD); empty: today")] = None,
            end: Annotated[date | None, Field(description="Last day (YYYY-MM-DD); empty: today")] = None,
    ) -> models.JournalResult:
        """The trades closed from start to end: entry, exit, P&L and why each one was closed."""
        return await desk().journal(start, end)

    async def start_trading_session(reason: Reason = "started from Claude") -> models.SessionResult:
        """Start today's trading session (the cycle). Says ran=false with the reason when there is nothing
        to start (already started, the market is closed)."""
        return await desk().phase(Phase.START_SESSION, reason)

    async def stop_trading_session(reason: Reason) -> models.SessionResult:
        """Stop today's trading session: no new entries. Open positions stay as they are (use close_position,
        or emergency_stop to flatten everything)."""
        return await desk().phase(Phase.STOP_SESSION, reason)

    async def execute_trade(
            symbol: Symbol,
            quantity: Annotated[int, Field(gt=0, le=1_000_000, description="Shares wanted; sizing may allow fewer")],
            side: Annotated[Literal["buy", "sell"], Field(description="buy to open a long")] = "buy",
            order_type: Annotated[Literal["limit", "market"], Field(description="limit at entry, or market")] = "limit",
            entry: Price = None,
            stop: Price = None,
            target: Price = None,
            rationale: Annotated[str | None, Field(max_length=2000, description="Why (kept with the decision)")] = None,
            confirmation_token: Token = None,
    ) -> models.TradeResult:
        """Trade in two steps; nothing is ever sent on the first. Without a token: a preview (the Risk
        Manager's verdict with every rule, the sized quantity, price bound, cost, stop, target, trading mode)
        and a short-lived confirmation_token. Show it to the user; only once they agree, call again with the
        same arguments and the token to place exactly that order. A refusal is a normal result with reasons."""
        asked = {"symbol": symbol.upper(), "quantity": quantity, "side": side, "order_type": order_type,
                 "entry": entry, "stop": stop, "target": target, "rationale": rationale}
        return await desk().execute_trade(asked, confirmation_token)

    async def close_position(
            position_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$", description="From positions/current")],
            reason: Reason,
            quantity: Annotated[int | None, Field(gt=0, description="Shares to close; empty: all")] = None,
            request_key: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", description=(
                "Optional: the same key again returns the first close instead of closing twice"))] = None,
    ) -> models.CloseResult:
        """Close a position (or part of it) now. Closing only reduces risk, so it needs no confirmation
        token; the same call repeated answers the first close rather than closing twice."""
        return await desk().close_position(position_id, quantity, reason, request_key)

    async def update_risk_parameter(
            name: Annotated[str, Field(pattern=r"^[a-z_]{1,64}$", description="e.g. daily_loss_limit, max_positions")],
            value: Annotated[float | int | str, Field(description="The new value")],
            reason: Reason,
            confirmation_token: Token = None,
    ) -> models.RiskParameterResult:
        """Change one Risk Manager limit. A tightening change applies at once; a loosening one (more loss,
        bigger positions, more positions, a lower reward/risk floor ...) first returns a preview and a
        confirmation_token: apply it only after the user agreed, with the same arguments and the token."""
        return await desk().update_risk_parameter(name, value, reason, confirmation_token)

    async def emergency_stop(reason: Reason) -> models.EmergencyStopResult:
        """The kill switch, at once and without confirmation: halt trading, cancel every open order, flatten
        every position. Use when the user asks to stop everything."""
        return await desk().emergency_stop(reason)

    return {f.__name__: f for f in (
        get_scan_results, get_candidate_analysis, get_risk_status, get_performance_report, get_trade_journal,
        start_trading_session, stop_trading_session, execute_trade, close_position, update_risk_parameter,
        emergency_stop)}
