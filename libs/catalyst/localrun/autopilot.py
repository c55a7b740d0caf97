"""``--autopilot``: an MCP client inside the run plays the trader, so a user sees a whole day without
Claude Desktop.

It uses the MCP endpoint exactly as Claude would, with the official ``mcp`` SDK over streamable
HTTP and the run's key: after the open it reads the morning brief and the scan, previews a trade on
each of the top candidates and confirms only those the Risk Manager approved (with the preview's
token, never without one); before the close phase it closes whatever is still open. What it did is
reported as events for the status view, refusals included, with the Risk Manager's reasons.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import TextResourceContents

from catalyst.contracts.mcp import McpPrompt, McpResource, McpTool
from catalyst.domain.calendar import NEW_YORK

TRADE_AT = time(9, 35)  # the open's first minutes have printed: the opening range is known
CLOSE_AT = time(15, 20)  # before the 15:30 close phase flattens what is left
TRADES = 3  # candidates to try, best first
SHARES = 100  # asked for; the Risk Manager sizes it down where its limits say so
STOP_PCT, TARGET_PCT = 0.02, 0.05  # a day trader's bracket: tight enough for Risk's stop rule, reward/risk 2.5


class Autopilot:
    def __init__(self, url: str, api_key: str, day: date, note: Callable[[str], None]):
        self._url = url
        self._api_key = api_key
        self._trade_at = datetime.combine(day, TRADE_AT, tzinfo=NEW_YORK)
        self._close_at = datetime.combine(day, CLOSE_AT, tzinfo=NEW_YORK)
        self._note = note
        self.traded = False
        self.closed = False

    def _client(self) -> Client:
        http = httpx2.AsyncClient(headers={"X-API-Key": self._api_key}, timeout=120)
        return Client(streamable_http_client(self._url, http_client=http))

    async def act(self, now: datetime) -> None:
        """Whatever is due by ``now`` (market time) and not done yet."""
        if not self.traded and now >= self._trade_at:
            self.traded = True
            await self.trade()
        if not self.closed and now >= self._close_at:
            self.closed = True
            await self.close_all()

    async def trade(self) -> None:
        async with self._client() as mcp:
            await mcp.get_prompt(McpPrompt.MORNING_BRIEF.value, {})
            scan = await _tool(mcp, McpTool.GET_SCAN_RESULTS, {})
            candidates = scan.get("candidates", [])
            self._note(f"autopilot: the scan has {len(candidates)} candidate(s)")
            for candidate in candidates[:TRADES]:
                await self._trade_one(mcp, candidate)

    async def _trade_one(self, mcp: Client, candidate: dict[str, Any]) -> None:
        price = float(candidate["price"])  # the last close; a market order fills near it
        asked = {"symbol": candidate["symbol"], "quantity": SHARES, "side": "buy", "order_type": "market",
                 "stop": round(price * (1 - STOP_PCT), 2), "target": round(price * (1 + TARGET_PCT), 2),
                 "rationale": f"autopilot: scan rank {candidate['rank']}, {candidate.get('pattern') or 'no pattern'}"}
        asked = {k: v for k, v in asked.items() if v is not None}
        preview = await _tool(mcp, McpTool.EXECUTE_TRADE, asked)
        symbol = candidate["symbol"]
        if preview["status"] != "preview" or not preview.get("confirmation_token"):
            self._note(f"autopilot: {symbol} not traded ({preview['status']}: {'; '.join(preview['reasons'])})")
            return
        placed = await _tool(mcp, McpTool.EXECUTE_TRADE, asked | {"confirmation_token": preview["confirmation_token"]})
        if placed["status"] in ("placed", "already_placed"):
            self._note(f"autopilot: bought {placed['quantity']} {symbol} "
                       f"(stop {placed['stop']}, target {placed['target']})")
        else:
            self._note(f"autopilot: {symbol} refused at confirmation ({'; '.join(placed['reasons'])})")

    async def close_all(self) -> None:
        async with self._client() as mcp:
            read = await mcp.read_resource(McpResource.CURRENT_POSITIONS.value)
            content = read.contents[0]
            document = json.loads(content.text) if isinstance(content, TextResourceContents) else {}
            positions = document.get("positions", {}).get("positions", [])  # the resource wraps Workflow's list
            for position in positions:
                closed = await _tool(mcp, McpTool.CLOSE_POSITION, {
                    "position_id": position["position_id"], "reason": "autopilot: flat before the close",
                    "request_key": f"autopilot-{str(position['position_id'])[:8]}"})
                self._note(f"autopilot: closed {position['symbol']} ({'repeated' if closed['repeated'] else 'sent'})")


async def _tool(mcp: Client, tool: McpTool, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await mcp.call_tool(tool.value, arguments)
    if result.is_error or result.structured_content is None:
        text = " ".join(getattr(c, "text", "") for c in result.content)
        raise AutopilotError(f"{tool.value} failed: {text or 'no result'}")
    return dict(result.structured_content)


class AutopilotError(RuntimeError):
    pass
