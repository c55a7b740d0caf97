"""A service app in process, built by its ``build_app``: the lifespan run, reached over ASGI.

``async with serve(build_app(settings)) as client`` starts the app (its start-up and shut-down
hooks, background tasks included) and yields an ``httpx.AsyncClient`` that presents ``caller``'s
key (Workflow by default: it may call every service, spec 2.1). Inside a running app,
``http_client`` opens another such client and ``service_client`` the ``ServiceClient`` that a typed
client (``TradingClient``, ``RiskClient`` ...) wraps, as a peer service would call it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from catalyst.app import ServiceRuntime
from catalyst.context import API_KEY_HEADER
from catalyst.http import ServiceClient
from catalyst.services import Identity, ServiceName


def _runtime(app: FastAPI) -> ServiceRuntime:
    runtime: ServiceRuntime | None = getattr(app.state, "runtime", None)
    assert runtime is not None, "the app is not running: enter serve(app) or running(app) first"
    return runtime


def caller_key(app: FastAPI, caller: Identity) -> str:
    """The key ``caller`` presents to the running ``app``."""
    return _runtime(app).settings.api_key(caller)


def base_url(app: FastAPI) -> str:
    return f"http://{_runtime(app).service.value}"


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app's lifespan for the block, no client."""
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def http_client(app: FastAPI, *, caller: Identity | None = ServiceName.WORKFLOW, api_key: str | None = None,
                      timeout_s: float = 5.0) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running ``app`` presenting ``caller``'s key (or ``api_key`` as given;
    ``caller=None`` and no ``api_key``: no key at all, each request brings its own)."""
    key = api_key if api_key is not None or caller is None else caller_key(app, caller)
    headers = {} if key is None else {API_KEY_HEADER: key}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url(app),
                                 headers=headers, timeout=timeout_s) as client:
        yield client


@asynccontextmanager
async def serve(app: FastAPI, *, caller: Identity | None = ServiceName.WORKFLOW, api_key: str | None = None,
                timeout_s: float = 5.0) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app`` and yield a client presenting ``caller``'s key (or ``api_key`` as given)."""
    async with running(app), http_client(app, caller=caller, api_key=api_key, timeout_s=timeout_s) as client:
        yield client


@asynccontextmanager
async def service_client(app: FastAPI, *, caller: Identity, api_key: str | None = None, attempts: int = 1,
                         timeout_s: float = 5.0) -> AsyncIterator[ServiceClient]:
    """The ``ServiceClient`` ``caller`` uses to reach the running ``app`` (closed after the block);
    one attempt by default, so a test sees the first answer."""
    runtime = _runtime(app)
    key = api_key if api_key is not None else runtime.settings.api_key(caller)
    client = ServiceClient(runtime.service, base_url(app), key, attempts=attempts, timeout=timeout_s,
                           transport=httpx.ASGITransport(app=app))
    try:
        yield client
    finally:
        await client.aclose()
