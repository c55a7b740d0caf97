"""``catalyst-mcp``: Orchestration's MCP endpoint over stdio, for clients that only launch local servers.

Claude Desktop's bundles (and its ``claude_desktop_config.json`` ``command`` entries) start a process
and speak MCP on its stdin and stdout. This command is that process: every request it receives is
forwarded to Orchestration's streamable HTTP endpoint (``CATALYST_MCP_URL``, default the local
Orchestration) with the trader's key (``CATALYST_MCP_API_KEY``) in ``X-API-Key``, and the answer
relayed back (fastmcp's proxy). Tools, resources and prompts are the server's own; nothing is
cached or filtered here, so the server's toolsets and read-only mode hold for the proxy as well.

stdout carries the protocol and nothing else: logs go to stderr (Claude Desktop keeps them in its
``mcp-server-*.log``). A missing key or a URL that is not http(s) is refused at start (exit 2); a
key the server refuses (401, 403) is an error on the request that met it, saying so, so the model can
tell the trader: the MCP SDK alone reports any refused POST as "Server returned an error response".
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any, Literal

import httpx2
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.server import create_proxy
from fastmcp.server.providers.proxy import FastMCPProxy
from pydantic import Field, SecretStr, ValidationError, field_validator

from catalyst.config import Section
from catalyst.context import API_KEY_HEADER
from catalyst.contracts.mcp import MCP_PATH
from catalyst.environment import read
from catalyst.logging import configure_logging, get_logger
from catalyst.services import PORTS, ServiceName

COMMAND = "catalyst-mcp"
DEFAULT_URL = f"http://127.0.0.1:{PORTS[ServiceName.ORCHESTRATION]}{MCP_PATH}"
EXIT_USAGE = 2
KEY_REFUSED = -32010  # JSON-RPC code of a request whose key was refused (implementation range; unused by MCP)
REFUSING_STATUSES = frozenset({401, 403})
UPSTREAM_TIMEOUT = httpx2.Timeout(30.0, read=300.0)  # the MCP SDK's own defaults: a stream may stay open

log = get_logger(__name__)


class McpProxySettings(Section):
    """Where the Orchestration MCP endpoint is and the key to present to it."""

    url: str = Field(DEFAULT_URL, alias="CATALYST_MCP_URL")
    api_key: SecretStr | None = Field(None, alias="CATALYST_MCP_API_KEY")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="CATALYST_MCP_LOG_LEVEL")

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"CATALYST_MCP_URL must be an http:// or https:// URL, not {url!r}")
        return url

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, level: object) -> object:
        return level.upper() if isinstance(level, str) else level

    @field_validator("api_key")
    @classmethod
    def _blank_is_missing(cls, key: SecretStr | None) -> SecretStr | None:
        """A bundle leaves an unset field as an empty string: that is no key."""
        return key if key is not None and key.get_secret_value().strip() else None


class ExplainRefusedKey(httpx2.AsyncBaseTransport):
    """Rewrites a 401 or 403 answer into a JSON-RPC error naming the refusal and the server's reason
    (its error envelope's message), which the SDK relays as it is."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        if response.status_code not in REFUSING_STATUSES:
            return response
        body = await response.aread()
        await response.aclose()
        reason = _envelope_message(body)
        log.warning("upstream_refused_key", status=response.status_code, reason=reason)
        message = (f"Catalyst refused the API key (HTTP {response.status_code}{': ' + reason if reason else ''}); "
                   "check CATALYST_MCP_API_KEY")
        error = {"code": KEY_REFUSED, "message": message, "data": {"status": response.status_code}}
        return httpx2.Response(response.status_code, headers={"content-type": "application/json"},
                               content=json.dumps({"jsonrpc": "2.0", "id": None, "error": error}), request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _envelope_message(body: bytes) -> str | None:
    """``error.message`` of the house error envelope, if that is what ``body`` is."""
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return None
    return message if isinstance(message, str) else None


def _upstream_client(headers: dict[str, str] | None = None, timeout: httpx2.Timeout | None = None,
                     auth: httpx2.Auth | None = None, **options: Any) -> httpx2.AsyncClient:
    """The HTTP client of the upstream leg (fastmcp's ``httpx_client_factory``)."""
    return httpx2.AsyncClient(headers=headers, timeout=timeout or UPSTREAM_TIMEOUT, auth=auth,
                              transport=ExplainRefusedKey(httpx2.AsyncHTTPTransport()), **options)


def build_proxy(url: str, api_key: str) -> FastMCPProxy:
    """A stdio-servable MCP server forwarding every request to ``url`` with ``api_key``.

    A failing upstream fails the request (``provider_error_strategy="raise"``) instead of answering
    an empty list, so a refused key reaches the client as an error, not as a server with no tools.
    The client sees the server's own name, version and instructions (``identity="upstream"``).
    """
    transport = StreamableHttpTransport(url, headers={API_KEY_HEADER: api_key}, httpx_client_factory=_upstream_client)
    return create_proxy(transport, name="catalyst", provider_error_strategy="raise", identity="upstream")


def _route_fastmcp_logs_to_root() -> None:
    """fastmcp logs through its own console handler; one JSON stream on stderr is easier to read."""
    fastmcp_logger = logging.getLogger("fastmcp")
    fastmcp_logger.handlers.clear()
    fastmcp_logger.propagate = True


def main(argv: Sequence[str] | None = None) -> int:
    del argv  # configured by the environment alone: a bundle or a client config sets it
    try:
        settings = read(McpProxySettings)
    except ValidationError as exc:
        print(f"{COMMAND}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return EXIT_USAGE
    if settings.api_key is None:
        print(f"{COMMAND}: CATALYST_MCP_API_KEY is not set: the key Orchestration accepts at {settings.url}",
              file=sys.stderr)
        return EXIT_USAGE
    configure_logging(COMMAND, settings.log_level, stream="stderr")
    _route_fastmcp_logs_to_root()
    log.info("mcp_proxy_starting", upstream=settings.url)
    proxy = build_proxy(settings.url, settings.api_key.get_secret_value())
    asyncio.run(proxy.run_async(transport="stdio", show_banner=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
