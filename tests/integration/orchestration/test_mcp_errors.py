"""Bad arguments and Workflow's refusals come back as tool errors the model can read (code and message),
never as a crash; a bad resource address is refused the same way."""

from __future__ import annotations

import pytest
from fastmcp.exceptions import ToolError
from mcp.shared.exceptions import MCPError

from tests.integration.orchestration.conftest import McpRigFactory
from tests.integration.workflow.conftest import DAY, ny


async def test_errors_name_what_is_wrong(mcp_rig: McpRigFactory) -> None:
    async with mcp_rig(ny(DAY, 7, 0)) as rig, rig.client() as client:
        with pytest.raises(MCPError, match="NO_CYCLE"):
            await client.read_resource("catalyst://trading-cycle/current")
        with pytest.raises(ToolError, match="NO_SCAN"):
            await client.call_tool("get_scan_results", {})
        with pytest.raises(ToolError, match="quantity"):
            await client.call_tool("execute_trade", {"symbol": "AAPL", "quantity": 0})
        with pytest.raises(ToolError, match="symbol"):
            await client.call_tool("get_candidate_analysis", {"symbol": "not a ticker; DROP TABLE"})
        with pytest.raises(ToolError, match="UNKNOWN_PARAMETER"):
            await client.call_tool("update_risk_parameter", {"name": "leverage", "value": 10, "reason": "more"})
        with pytest.raises(ToolError, match="INVALID_PARAMETER"):
            await client.call_tool("update_risk_parameter", {"name": "max_positions", "value": 0, "reason": "x"})
        with pytest.raises(ToolError, match=r"CYCLE_NOT_TRADING|NO_CYCLE"):
            await client.call_tool("execute_trade", {"symbol": "AAPL", "quantity": 10, "entry": 10.0,
                                                     "stop": 9.0, "target": 13.0})
        with pytest.raises(ToolError, match=r"NOT_FOUND|POSITION"):
            await client.call_tool("close_position", {"position_id": "00000000-0000-0000-0000-000000000000",
                                                      "reason": "gone"})
        with pytest.raises(MCPError, match="INVALID_POSITION_ID"):
            await client.read_resource("catalyst://positions/not-a-uuid/status")
