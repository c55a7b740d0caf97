"""Orchestration service (port 5000): the MCP server over streamable HTTP at ``/mcp``; the logic is
``catalyst.orchestration``.

Run: ``uvicorn services.orchestration.app:build_app --factory --port 5000``. A client connects to
``http://<host>:5000/mcp`` with ``X-API-Key`` (or ``Authorization: Bearer``) set to one of
``MCP_API_KEYS``; ``GET /auth`` answers 204 for such a key (the ingress's forwardAuth check).
It calls only Workflow, through the shared service client; it has no database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from functools import partial

from fastapi import FastAPI
from fastmcp.exceptions import ToolError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from catalyst.app import ServiceRuntime, create_app
from catalyst.clients.workflow import WorkflowClient
from catalyst.config import Settings
from catalyst.environment import read
from catalyst.orchestration.auth import ApiKeyGuard
from catalyst.orchestration.config import OrchestrationSettings
from catalyst.orchestration.desk import Desk
from catalyst.orchestration.events import SessionHub
from catalyst.orchestration.server import build_server
from catalyst.orchestration.token_guard import TokenGuard
from catalyst.services import ServiceName
from catalyst.tasks import BackgroundTasks, repeat

MCP_PATH = "/mcp"
# Traefik's forwardAuth asks here before it forwards (the chart's ingress): behind the key guard, so a
# request that reaches the route presented a good key (204); any other gets the guard's 401.
AUTH_PATH = "/auth"
SUBSCRIBE_TIMEOUT_S = 5.0
RESUBSCRIBE_S = 1.0

WorkflowSource = Callable[[], AbstractAsyncContextManager[WorkflowClient]]


async def _key_accepted(_request: Request) -> Response:
    return Response(status_code=204)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, f"HTTP_{status}")
    return JSONResponse({"error": {"code": code, "message": str(getattr(exc, "detail", code)), "details": {}}},
                        status_code=status)


def build_app(settings: Settings | None = None, *, orchestration_settings: OrchestrationSettings | None = None,
              workflow: WorkflowSource | None = None) -> FastAPI:
    """The Orchestration app. ``workflow`` opens the Workflow client (tests: the real service in
    process); default: the HTTP client to ``WORKFLOW_URL`` presenting Orchestration's key."""
    config = orchestration_settings or read(OrchestrationSettings)
    shared = settings or read(Settings)
    if shared.env == "production" and config.dev_secrets():
        raise ValueError(f"development secrets are not allowed in production: {', '.join(config.dev_secrets())}")
    hub = SessionHub()
    desks: list[Desk] = []

    def desk() -> Desk:
        if not desks:
            raise ToolError("SERVICE_STARTING: Orchestration is starting; try again in a moment")
        return desks[-1]

    server = build_server(config, desk, hub)
    # Each request is answered as one JSON body rather than an SSE stream of one message (both are
    # streamable HTTP; every client must take either): no tool sends messages mid-call, and the live
    # events go out on the session's standing GET stream either way.
    mcp_app = server.http_app(path=MCP_PATH, json_response=True,
                              middleware=[Middleware(ApiKeyGuard, keys=config.keys())])
    mcp_app.add_exception_handler(StarletteHTTPException, _http_error)
    mcp_app.add_route(AUTH_PATH, _key_accepted, methods=["GET"])
    tasks = BackgroundTasks()
    opened: list[AsyncExitStack] = []

    async def start(app: FastAPI, rt: ServiceRuntime) -> None:
        stack = AsyncExitStack()
        opened.append(stack)
        client = await stack.enter_async_context(workflow()) if workflow is not None else rt.peer(WorkflowClient)
        desks.append(Desk(workflow=client, guard=TokenGuard(rt.redis, rt.settings.redis_namespace), settings=config))
        await stack.enter_async_context(mcp_app.router.lifespan_context(mcp_app))
        subscribed = asyncio.Event()
        follow = partial(hub.follow, rt.bus, subscribed)  # a lost Redis connection: subscribe again
        tasks.start(repeat(follow, pause_s=RESUBSCRIBE_S, failure_event="mcp_events_failed"),
                    name="orchestration-events")
        async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
            await subscribed.wait()
        app.state.mcp = server
        app.state.hub = hub
        app.state.desk = desks[-1]

    async def stop(_app: FastAPI, _rt: ServiceRuntime) -> None:
        await tasks.stop()
        desks.clear()
        while opened:
            await opened.pop().aclose()

    app = create_app(
        ServiceName.ORCHESTRATION, settings=shared, on_startup=[start], on_shutdown=[stop],
        title="Catalyst Orchestration",
        description="The MCP server (streamable HTTP at /mcp) a trader connects Claude Desktop to (spec 2.3, "
                    "service 1): tools, resources and prompts over Workflow.",
    )
    app.mount("", mcp_app)  # after the kit's routes (/health, /live, /metrics, /docs): everything else is MCP's
    return app
