"""Per-tool metrics of the MCP server (on the service's ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

MCP_TOOL_CALLS = Counter(
    "catalyst_mcp_tool_calls_total",
    "MCP tool calls by tool and outcome (ok, refused: a normal result saying no, error)",
    ["tool", "outcome"],
)
MCP_TOOL_ERRORS = Counter("catalyst_mcp_tool_errors_total", "MCP tool calls that ended in an error", ["tool"])
MCP_TOOL_LATENCY = Histogram(
    "catalyst_mcp_tool_duration_seconds",
    "MCP tool call latency by tool",
    ["tool"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
MCP_EVENTS_FORWARDED = Counter(
    "catalyst_mcp_events_forwarded_total", "Bus events forwarded to connected MCP sessions", ["channel"])
