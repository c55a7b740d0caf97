"""What every alpaca-py adapter (broker, bar source, news source) does the same way.

alpaca-py's REST clients are synchronous (``requests``), set no request timeout (a hung socket
would hang the caller), and carry their own fixed-wait retry of 429/504 whose budget the data
clients take only as private attributes. ``configure_rest_client`` sets all three in one place;
``ClientPool`` runs the blocking calls in a small thread pool with one client per worker thread
(a ``requests.Session`` is not shared between threads); ``api_error_body`` reads Alpaca's JSON
error answer (``{"code": ..., "message": ...}``) that ``APIError`` carries as its text.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import requests
from alpaca.common.exceptions import APIError
from alpaca.common.rest import RESTClient

C = TypeVar("C", bound=RESTClient)
T = TypeVar("T")

# An adapter's error mapping: the exception to raise instead, or None (or the same one) to let it pass.
ErrorMapping = Callable[[Exception], Exception | None]


class TimeoutSession(requests.Session):
    """A session that never waits forever (alpaca-py passes no timeout)."""

    def __init__(self, timeout_s: float):
        super().__init__()
        self._timeout_s = timeout_s

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout_s)
        return super().request(*args, **kwargs)


def configure_rest_client(client: C, *, timeout_s: float, retry_attempts: int,
                          retry_wait_s: float | None = None) -> C:
    """``client`` with a per-request timeout and alpaca-py's own retry budget set (0: off, the
    caller retries). The wait goes to ``time.sleep``, so fractions of a second are fine."""
    client._retry = retry_attempts
    if retry_wait_s is not None:
        client._retry_wait = retry_wait_s  # type: ignore[assignment]
    client._session = TimeoutSession(timeout_s)
    return client


def api_error_body(exc: APIError) -> dict[str, Any] | None:
    """Alpaca's JSON error object carried by ``exc``, or None when the answer was not one (an HTML
    page from a proxy, plain text)."""
    try:
        body = json.loads(str(exc))
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class ClientPool(Generic[C]):
    """Blocking alpaca-py calls on a thread pool, one client per worker thread.

    ``factory`` is called once at construction so that bad configuration (missing keys) fails at
    start-up, not on the first request.
    """

    def __init__(self, factory: Callable[[], C], *, workers: int, thread_name_prefix: str):
        self._factory = factory
        factory()
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=thread_name_prefix)

    def _client(self) -> C:
        client: C | None = getattr(self._local, "client", None)
        if client is None:
            client = self._factory()
            self._local.client = client
        return client

    async def run(self, call: Callable[[C], T], errors: ErrorMapping) -> T:
        """``call`` with this thread's client; a failure is raised as ``errors`` maps it."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, lambda: call(self._client()))
        except Exception as exc:
            mapped = errors(exc)
            if mapped is None or mapped is exc:
                raise
            raise mapped from exc

    def shutdown(self, *, wait: bool = False) -> None:
        """Stop the workers; queued calls are cancelled (``wait``: until running ones end)."""
        self._pool.shutdown(wait=wait, cancel_futures=True)


__all__ = ["ClientPool", "ErrorMapping", "TimeoutSession", "api_error_body", "configure_rest_client"]
