"""Orchestration's MCP surface (port 5000, streamable HTTP at ``/mcp``): the names Claude sees, once.

The server registers its tools, prompts and resources under these names; the MCP Bundle's
``manifest.json`` lists the same tools and prompts (a test compares them), so a rename is made here
and nowhere else. Resource URIs with a ``{parameter}`` are templates.
"""

from __future__ import annotations

from enum import StrEnum

MCP_PATH = "/mcp"
URI_SCHEME = "catalyst"


class McpTool(StrEnum):
    START_TRADING_SESSION = "start_trading_session"
    STOP_TRADING_SESSION = "stop_trading_session"
    GET_SCAN_RESULTS = "get_scan_results"
    GET_CANDIDATE_ANALYSIS = "get_candidate_analysis"
    EXECUTE_TRADE = "execute_trade"
    CLOSE_POSITION = "close_position"
    UPDATE_RISK_PARAMETER = "update_risk_parameter"
    GET_RISK_STATUS = "get_risk_status"
    GET_PERFORMANCE_REPORT = "get_performance_report"
    GET_TRADE_JOURNAL = "get_trade_journal"
    EMERGENCY_STOP = "emergency_stop"


class McpPrompt(StrEnum):
    MORNING_BRIEF = "morning_brief"
    TRADE_CHECK = "trade_check"
    END_OF_DAY_REVIEW = "end_of_day_review"


class McpResource(StrEnum):
    CURRENT_CYCLE = f"{URI_SCHEME}://trading-cycle/current"
    CYCLE_TIMELINE = f"{URI_SCHEME}://trading-cycle/{{cycle_id}}/timeline"
    LATEST_SCAN = f"{URI_SCHEME}://market-scan/latest"
    SCAN_CANDIDATE = f"{URI_SCHEME}://market-scan/candidates/{{symbol}}"
    CURRENT_POSITIONS = f"{URI_SCHEME}://positions/current"
    POSITION_STATUS = f"{URI_SCHEME}://positions/{{position_id}}/status"
    DAILY_PERFORMANCE = f"{URI_SCHEME}://performance/daily"
    WEEKLY_PERFORMANCE = f"{URI_SCHEME}://performance/weekly"
    ACTIVE_ALERTS = f"{URI_SCHEME}://alerts/active"

    @property
    def is_template(self) -> bool:
        return "{" in self.value


TOOL_NAMES: tuple[str, ...] = tuple(McpTool)
PROMPT_NAMES: tuple[str, ...] = tuple(McpPrompt)
RESOURCE_URIS: tuple[str, ...] = tuple(McpResource)
