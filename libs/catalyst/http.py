"""The service client every service uses to call another: retries, circuit breaker, context.

Policy (spec 8.2–8.3): up to 3 attempts with exponential backoff on 429, 5xx, timeouts and
connection errors; a circuit breaker per target opens after 5 failed attempts and lets one
trial call through (half-open) after 60 s. 4xx answers are the caller's fault: they are neither
retried nor counted by the breaker, and come back as the matching ``catalyst.errors`` class.
``breaker=False`` takes one call outside the breaker (same retries; it neither checks nor feeds
it): for idempotent calls that must never be refused, such as the emergency stop's cancel-all
and flatten. Waits are shortened at random by up to ``backoff_jitter`` of themselves, so services
retrying one peer after a blip do not retry in step. Retries and breaker are ``catalyst.resilience``.
The request id of the current request and this service's API key travel on every call.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypeVar, overload

import httpx
from pydantic import BaseModel, TypeAdapter

from catalyst.context import API_KEY_HEADER, REQUEST_ID_HEADER, current_request_id
from catalyst.errors import CatalystError, ServiceUnavailable, UpstreamError, error_for_status
from catalyst.logging import get_logger
from catalyst.metrics import BREAKER_OPEN, CLIENT_REQUESTS
from catalyst.resilience import CircuitBreaker, CircuitOpen, Monotonic, Retrier, RetryPolicy, Sleep
from catalyst.services import ServiceName

log = get_logger(__name__)
M = TypeVar("M")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class RetryableResponse(Exception):
    """A 429/5xx answer: retried, and counted by the breaker."""

    def __init__(self, response: httpx.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class ServiceClient:
    def __init__(
        self,
        target: ServiceName | str,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff_initial: float = 0.2,
        backoff_max: float = 2.0,
        backoff_jitter: float = 0.5,
        breaker_threshold: int = 5,
        breaker_recovery_s: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Monotonic = time.monotonic,
    ):
        self.target = str(target)
        policy = RetryPolicy(retry_on=(RetryableResponse, httpx.TransportError), attempts=attempts,
                             backoff_s=backoff_initial, max_backoff_s=backoff_max, jitter=backoff_jitter)
        self._retrier = Retrier(policy, sleep=sleep, clock=clock)
        self._breaker = CircuitBreaker(self.target, threshold=breaker_threshold, recovery_s=breaker_recovery_s,
                                       clock=clock)
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport,
                                       headers={API_KEY_HEADER: api_key})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def breaker_state(self) -> str:
        return self._breaker.state.value

    @overload
    async def request(self, method: str, path: str, *, model: type[M], json: Any = None,
                      params: dict[str, Any] | None = None, retry: bool = True, breaker: bool = True,
                      timeout_s: float | None = None) -> M: ...

    @overload
    async def request(self, method: str, path: str, *, model: None = None, json: Any = None,
                      params: dict[str, Any] | None = None, retry: bool = True, breaker: bool = True,
                      timeout_s: float | None = None) -> Any: ...

    async def request(self, method: str, path: str, *, model: type[M] | None = None, json: Any = None,
                      params: dict[str, Any] | None = None, retry: bool = True, breaker: bool = True,
                      timeout_s: float | None = None) -> M | Any:
        """Call ``method path``; returns the JSON body, validated as ``model`` when given.

        ``timeout_s``: seconds for this call in place of the client's (an operation that is long by
        nature, such as a whole scan or a day's report).
        ``retry=False`` for calls that must not be repeated blindly (the caller handles it).
        ``breaker=False`` for calls an open breaker must never refuse: the call is made (and
        retried) whatever the breaker's state, and its failures and successes are not counted.
        """
        body = json.model_dump(mode="json") if isinstance(json, BaseModel) else json
        try:
            response = await self._send(method, path, body, params, retry, breaker, timeout_s)
        except CircuitOpen as exc:
            BREAKER_OPEN.labels(self.target).inc()
            CLIENT_REQUESTS.labels(self.target, "circuit_open").inc()
            raise ServiceUnavailable(f"{self.target} circuit breaker is open", code="CIRCUIT_OPEN",
                                     details={"target": self.target}) from exc
        except RetryableResponse as exc:
            CLIENT_REQUESTS.labels(self.target, "failed").inc()
            raise _remote_error(exc.response, self.target) from exc
        except httpx.TransportError as exc:
            CLIENT_REQUESTS.labels(self.target, "unreachable").inc()
            raise UpstreamError(f"{self.target} unreachable: {exc.__class__.__name__}", code="UPSTREAM_UNREACHABLE",
                                details={"target": self.target}) from exc
        if response.status_code >= 400:
            CLIENT_REQUESTS.labels(self.target, "client_error").inc()
            raise _remote_error(response, self.target)
        CLIENT_REQUESTS.labels(self.target, "ok").inc()
        if model is None:
            return response.json() if response.content else None
        if not response.content:
            return TypeAdapter(model).validate_python(None)
        # from the bytes in one pass: json.loads and then validating the objects costs several times
        # as much for a large answer (a market-wide listing of thousands of events)
        return TypeAdapter(model).validate_json(response.content)

    async def _send(self, method: str, path: str, body: Any, params: dict[str, Any] | None,
                    retry: bool, breaker: bool, timeout_s: float | None = None) -> httpx.Response:
        """Each attempt passes the breaker (unless ``breaker=False``), so each failed one counts."""

        async def attempt() -> httpx.Response:
            if not breaker:
                return await self._send_unguarded(method, path, body, params, timeout_s)
            with self._breaker.guard():
                return await self._send_unguarded(method, path, body, params, timeout_s)

        return await (self._retrier.call(attempt) if retry else attempt())

    async def _send_unguarded(self, method: str, path: str, body: Any,
                              params: dict[str, Any] | None, timeout_s: float | None = None) -> httpx.Response:
        """One attempt, outside any breaker: ``RetryableResponse`` for a 429/5xx answer."""
        headers = {}
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        response = await self._http.request(method, path, json=body, params=params, headers=headers,
                                            timeout=httpx.USE_CLIENT_DEFAULT if timeout_s is None else timeout_s)
        if response.status_code in RETRYABLE_STATUS:
            log.warning("service_call_retryable", target=self.target, path=path, status=response.status_code)
            raise RetryableResponse(response)
        return response

    async def get(self, path: str, *, model: type[M] | None = None, params: dict[str, Any] | None = None) -> Any:
        return await self.request("GET", path, model=model, params=params)

    async def post(self, path: str, *, json: Any = None, model: type[M] | None = None,
                   params: dict[str, Any] | None = None, retry: bool = True, breaker: bool = True) -> Any:
        return await self.request("POST", path, json=json, model=model, params=params, retry=retry,
                                  breaker=breaker)

    async def put(self, path: str, *, json: Any = None, model: type[M] | None = None) -> Any:
        return await self.request("PUT", path, json=json, model=model)

    async def delete(self, path: str, *, model: type[M] | None = None) -> Any:
        return await self.request("DELETE", path, model=model)

    async def health(self) -> dict[str, Any]:
        """The target's /health body (its status code is not an error here)."""
        response = await self._http.get("/health")
        data: dict[str, Any] = response.json()
        return data


def _remote_error(response: httpx.Response, target: str) -> CatalystError:
    """Rebuild the remote's error envelope as the matching exception."""
    cls = error_for_status(response.status_code)
    try:
        err = response.json()["error"]
        return cls(str(err["message"]), code=str(err["code"]),
                   details={**(err.get("details") or {}), "target": target, "status": response.status_code})
    except (ValueError, KeyError, TypeError):
        return cls(f"{target} answered HTTP {response.status_code}", code=f"HTTP_{response.status_code}",
                   details={"target": target, "status": response.status_code})
