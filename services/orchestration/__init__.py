"""Orchestration service (port 5000): the MCP server."""
