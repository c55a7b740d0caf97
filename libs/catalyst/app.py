"""The app factory behind every service: one place for health, metrics, auth, errors, context.

Every service is ``create_app(ServiceName.X, routers=[(router, access.GROUP), ...], on_startup=[...])``,
wired as ``catalyst.services.WIRING`` declares (its peers: ``rt.peer(TradingClient)``). What it adds:

- ``GET /health`` (spec 8.1; 503 when a required dependency is down), ``GET /live`` (process
  liveness for Kubernetes), ``GET /metrics`` (Prometheus), ``/docs`` and ``/openapi.json``;
- ``X-API-Key`` auth on every router passed in: the key names the caller (401 otherwise) and the
  router's group in ``catalyst.access`` admits it or answers 403 ``FORBIDDEN_CALLER``; each
  operation's ``x-allowed-callers`` in the OpenAPI document lists who is admitted;
- the error envelope ``{"error": {"code", "message", "details"}}`` for every error, request
  validation and malformed JSON included (400), never a bare 500 for bad input;
- a request id (``X-Request-ID``, made up when absent) bound to every log line and forwarded
  on service calls, and request count/latency metrics per route template and status;
- ``rt.clock``: the market clock (``catalyst.clock.market_clock``; ``MARKET_CLOCK=wall|replay``), built
  once per process. Market decisions read it; audit timestamps of rows stay wall time.

The environment is read here at the latest (``catalyst.environment.read``), when the app is built:
the shared ``Settings`` and the market clock's section unless the service's ``build_app`` passed them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import redis.asyncio as aioredis
import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalyst import __version__
from catalyst.access import RouteGroup
from catalyst.auth import allow
from catalyst.bus import EventBus
from catalyst.cache import Cache
from catalyst.clients.base import TypedClient
from catalyst.clock import Clock, MarketClockSettings, market_clock
from catalyst.config import Settings
from catalyst.context import REQUEST_ID_HEADER, new_request_id, request_id_var
from catalyst.db import Database
from catalyst.environment import read
from catalyst.errors import CatalystError, ErrorEnvelope, ServiceUnavailable
from catalyst.health import ConnectionState, DependencyState, HealthResponse, overall_status, probe_dependency
from catalyst.http import ServiceClient
from catalyst.logging import configure_logging, get_logger
from catalyst.metrics import CONNECTION_UP, DB_POOL_CONNECTIONS, HTTP_LATENCY, HTTP_REQUESTS
from catalyst.services import WIRING, Identity, ServiceName, Wiring

log = get_logger(__name__)

Hook = Callable[[FastAPI, "ServiceRuntime"], Awaitable[None]]
T = TypeVar("T")
C = TypeVar("C", bound=TypedClient)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in ((400, "Bad input"), (401, "Missing or wrong X-API-Key"),
                         (403, "Caller not allowed here, or the request is refused"), (404, "Not found"))
}


@dataclass
class ServiceRuntime:
    """What a running service holds: its wiring, settings, connections, clients to its peers, and the
    market clock every market decision reads (``clock.now()``: wall time, or the replay's simulated time)."""

    wiring: Wiring
    settings: Settings
    db: Database
    redis: aioredis.Redis
    bus: EventBus
    cache: Cache
    clock: Clock
    _clients: dict[ServiceName, ServiceClient] = field(default_factory=dict)

    @property
    def service(self) -> ServiceName:
        return self.wiring.service

    def peer(self, kind: type[C]) -> C:
        """The typed client of a peer this service's wiring declares (any other is refused)."""
        return kind(self.client(kind.peer))

    def client(self, target: ServiceName) -> ServiceClient:
        """A (cached) client for the peer ``target``, presenting this service's own key."""
        if target not in self.wiring.peers:
            raise ValueError(f"{self.service.value} does not declare {target.value} as a peer (catalyst.services)")
        if target not in self._clients:
            s = self.settings
            self._clients[target] = ServiceClient(
                target, s.service_url(target), s.api_key(self.service),
                timeout=s.http_timeout_s, attempts=s.http_retry_attempts,
                breaker_threshold=s.breaker_failure_threshold, breaker_recovery_s=s.breaker_recovery_s,
            )
        return self._clients[target]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        await self.db.close()
        await self.redis.aclose()


REDIS_POOL_SIZE = 10
REDIS_TIMEOUT_S = 2.0


def build_runtime(wiring: Wiring, settings: Settings, clock: Clock) -> ServiceRuntime:
    """The runtime of ``wiring.service``, reading market time from ``clock``."""
    # A blocking pool: a request beyond the pool's size waits for a free connection (up to the
    # socket timeout) instead of failing at once with "too many connections", which a burst of
    # concurrent batch requests (the Scanner's) turned into 500s.
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=REDIS_POOL_SIZE, timeout=REDIS_TIMEOUT_S,
        socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S,
    )
    redis = aioredis.Redis.from_pool(pool)
    return ServiceRuntime(
        wiring=wiring,
        settings=settings,
        db=Database(settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
                    command_timeout=settings.db_command_timeout_s),
        redis=redis,
        bus=EventBus(redis, settings.redis_namespace),
        cache=Cache(redis, settings.redis_namespace),
        clock=clock,
    )


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]


def app_state(name: str, kind: type[T]) -> Callable[[Request], T]:
    """A route dependency reading the service state a start-up hook set as ``app.state.<name>``.

    Until it is there (start-up still running, or it failed) the route answers 503
    ``<NAME>_NOT_READY`` rather than a 500. Use: ``Annotated[Kind, Depends(app_state("name", Kind))]``.
    """

    def read(request: Request) -> T:
        value = getattr(request.app.state, name, None)
        if not isinstance(value, kind):
            raise ServiceUnavailable(f"{name} is starting", code=f"{name.upper()}_NOT_READY")
        return value

    read.__name__ = f"get_{name}"
    return read


def create_app(
    service: ServiceName,
    *,
    settings: Settings | None = None,
    routers: Sequence[tuple[APIRouter, RouteGroup]] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    title: str | None = None,
    description: str | None = None,
    wiring: Wiring | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """``routers``: each with the group (``catalyst.access``) whose callers may call it. ``wiring``
    defaults to the service's declared one; ``clock`` replaces the environment's market clock (tests
    pass a ``SimulatedClock``)."""
    wired = wiring or WIRING[service]
    if wired.service is not service:
        raise ValueError(f"{wired.service.value}'s wiring given to {service.value}")
    settings = (settings or read(Settings)).model_copy(update={"service_name": service})
    clock_settings = read(MarketClockSettings)
    configure_logging(service.value, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = build_runtime(wired, settings, clock or market_clock(clock_settings))
        app.state.runtime = rt
        if wired.uses_database and not await rt.db.ping():
            log.warning("starting_without_database")
        for hook in on_startup:
            await hook(app, rt)
        log.info("service_started", port=settings.listen_port, env=settings.env,
                 market_time=rt.clock.now().isoformat())
        try:
            yield
        finally:
            for hook in reversed(on_shutdown):
                await hook(app, rt)
            await rt.close()
            log.info("service_stopped")

    app = FastAPI(
        title=title or f"Catalyst {service.value.title()} Service",
        description=description or "",
        version=__version__,
        lifespan=lifespan,
    )
    _install_error_handlers(app)
    _install_context_middleware(app, service)
    app.include_router(_ops_router(service))
    callers: dict[tuple[str, str], frozenset[Identity]] = {}
    for router, group in routers:
        callers.update(_include_guarded(app, service, router, group))
    _document_callers(app, callers)
    return app


def _include_guarded(app: FastAPI, service: ServiceName, router: APIRouter,
                     group: RouteGroup) -> dict[tuple[str, str], frozenset[Identity]]:
    """Mount ``router`` behind ``group``'s callers; answer who may call each (path, method)."""
    if group.service is not service:
        raise ValueError(f"a {group.service.value} route group mounted on {service.value}")
    app.include_router(router, dependencies=[Depends(allow(group))], responses=ERROR_RESPONSES)
    return {(route.path, method.lower()): group.allowed(method)
            for route in router.routes if isinstance(route, APIRoute) for method in route.methods or ()}


def _document_callers(app: FastAPI, callers: dict[tuple[str, str], frozenset[Identity]]) -> None:
    """Write each operation's allowed callers into the OpenAPI document as ``x-allowed-callers``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            operations = build()["paths"]
            for (path, method), allowed in callers.items():
                if method in operations.get(path, {}):
                    operations[path][method]["x-allowed-callers"] = sorted(a.value for a in allowed)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def _ops_router(service: ServiceName) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
    async def health(rt: Runtime, response: Response) -> HealthResponse:
        body = await check_health(rt)
        if body.status == "unhealthy":
            response.status_code = 503
        return body

    @router.get("/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "alive", "service": service.value}

    @router.get("/metrics", include_in_schema=False)
    async def metrics(rt: Runtime) -> Response:
        if rt.wiring.uses_database:
            for state, count in zip(("in_use", "idle", "max"), rt.db.usage(), strict=True):
                DB_POOL_CONNECTIONS.labels(state).set(count)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def check_health(rt: ServiceRuntime) -> HealthResponse:
    async def redis_ok() -> bool:
        try:
            async with asyncio.timeout(2.0):
                return bool(await rt.redis.ping())
        except Exception:  # any failure to answer is "disconnected"
            return False

    wiring = rt.wiring
    deps = wiring.peers
    db_ok = await rt.db.ping() if wiring.uses_database else True
    cache_ok = await redis_ok() if wiring.uses_redis else True
    dep_states: list[DependencyState] = list(
        await asyncio.gather(*(probe_dependency(rt.client(d)) for d in deps))
    )
    if wiring.uses_database:
        CONNECTION_UP.labels("database").set(int(db_ok))
    if wiring.uses_redis:
        CONNECTION_UP.labels("redis").set(int(cache_ok))
    database: ConnectionState = "not_used" if not wiring.uses_database else ("connected" if db_ok else "disconnected")
    redis: ConnectionState = "not_used" if not wiring.uses_redis else ("connected" if cache_ok else "disconnected")
    dependencies = {d.value: state for d, state in zip(deps, dep_states, strict=True)}
    status = overall_status(database, redis, dependencies, {s.value for s in wiring.required})
    return HealthResponse.model_validate({
        "status": status, "service": rt.service.value, "version": __version__,
        "database": database, "redis": redis, "dependencies": dependencies,
    })


class EnvelopeResponse(JSONResponse):
    """JSON that always encodes: details may echo the caller's input, and JSON can spell a lone
    surrogate (``"\\ud800"``) that UTF-8 cannot hold; such a character is sent as ``?``."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", errors="replace")


def _envelope(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return EnvelopeResponse(status_code=status, content=body)


_STATUS_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 401: "UNAUTHORIZED", 403: "FORBIDDEN",
                 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE"}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CatalystError)
    async def catalyst_error(_request: Request, exc: CatalystError) -> JSONResponse:
        if exc.status_code >= 500:
            log.warning("request_failed", code=exc.code, error=exc.message)
        return _envelope(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return _envelope(400, "MALFORMED_JSON", "request body is not valid JSON", {"errors": errors})
        fields = sorted({".".join(e["loc"][1:] or e["loc"]) for e in errors})
        return _envelope(400, "VALIDATION_ERROR", f"invalid request: {', '.join(fields)}",
                         {"errors": errors, "fields": fields})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
        return _envelope(exc.status_code, code, str(exc.detail))



def _install_context_middleware(app: FastAPI, service: ServiceName) -> None:
    @app.middleware("http")
    async def context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get(REQUEST_ID_HEADER) or new_request_id()
        token = request_id_var.set(request_id)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        try:
            try:
                response = await call_next(request)
            except Exception as exc:  # a bug: log it, answer the envelope, leak nothing
                log.exception("unhandled_error", error=str(exc))
                response = _envelope(500, "INTERNAL_ERROR", "internal error", {"type": exc.__class__.__name__})
            status = response.status_code
            response.headers[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            labels = (service.value, request.method, template, str(status))
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - started)
            request_id_var.reset(token)
