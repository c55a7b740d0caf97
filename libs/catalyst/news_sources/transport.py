"""JSON over HTTP for the source adapters: timeouts, retries with backoff, ``Retry-After``.

429 and 503 wait for the server's ``Retry-After`` (seconds or an HTTP date) when it gives one,
otherwise for an exponential backoff; 5xx, timeouts and connection errors back off and retry;
other 4xx answers are final. Waits are capped by ``max_backoff_s``: a server asking for longer
is treated as down (the service serves cached news instead of stalling a request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, TypeVar

import httpx

from catalyst.logging import get_logger
from catalyst.news_sources.base import SOURCE_RETRIES, NewsSourceSettings, SourceError

log = get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")
RETRY_AFTER_STATUS = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: NewsSourceSettings) -> RetryPolicy:
        return cls(settings.attempts, settings.backoff_s, settings.max_backoff_s)

    def backoff(self, attempt: int) -> float:
        """Wait before retry number ``attempt`` (1-based): backoff_s, 2·backoff_s, 4·backoff_s …"""
        return float(min(self.backoff_s * 2.0 ** (attempt - 1), self.max_backoff_s))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def wait_for(attempt: int, policy: RetryPolicy, retry_after: float | None) -> float | None:
    """How long to wait before the next attempt, or None when the server asks for more than we allow."""
    if retry_after is None:
        return policy.backoff(attempt)
    if retry_after > policy.max_backoff_s:
        return None
    return retry_after


class Retryable(Exception):
    """One attempt failed in a way worth another try (429, 5xx, timeout, connection refused)."""

    def __init__(self, error: SourceError, metric_reason: str, retry_after: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.metric_reason = metric_reason
        self.retry_after = retry_after


async def call_with_retries(source: str, policy: RetryPolicy, sleep: Sleep,
                            attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` until it succeeds, raises a final SourceError, or the policy gives up."""
    for n in range(1, policy.attempts + 1):
        try:
            return await attempt()
        except Retryable as exc:
            if n >= policy.attempts:
                raise exc.error from exc
            wait = wait_for(n, policy, exc.retry_after)
            if wait is None:
                raise SourceError(source, exc.error.reason,
                                  f"{exc.error}; Retry-After {exc.retry_after:.0f}s exceeds the "
                                  f"{policy.max_backoff_s:.0f}s cap") from exc
            SOURCE_RETRIES.labels(source, exc.metric_reason).inc()
            log.info("news_source_retry", source=source, reason=exc.metric_reason, attempt=n, wait_s=wait)
            await sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def retryable_status(source: str, status: int, body: str, retry_after_header: str | None) -> Retryable | None:
    """The Retryable for a retryable HTTP status, else None."""
    if status == 429:
        return Retryable(SourceError(source, "rate_limited", f"HTTP 429: {body}"), "rate_limited",
                         retry_after_seconds(retry_after_header))
    if status in RETRY_AFTER_STATUS or status >= 500:
        return Retryable(SourceError(source, f"http_{status}", f"HTTP {status}: {body}"), "server_error",
                         retry_after_seconds(retry_after_header))
    return None


class JsonHttp:
    """One ``httpx.AsyncClient`` per source with the retry policy around every GET."""

    def __init__(self, source: str, base_url: str, *, timeout_s: float, policy: RetryPolicy,
                 headers: Mapping[str, str] | None = None, sleep: Sleep = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.source = source
        self.policy = policy
        self._sleep = sleep
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                         headers=dict(headers or {}), transport=transport,
                                         follow_redirects=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None,
                       on_error: Callable[[httpx.Response], SourceError | None] | None = None) -> Any:
        """GET ``path`` and decode JSON, retrying per the policy; raises SourceError when it gives up.

        ``on_error`` may turn a non-retryable error answer into a specific SourceError (a source's
        own error JSON); returning None keeps the generic one.
        """

        async def attempt() -> Any:
            try:
                response = await self._client.get(path, params=params)
            except httpx.TimeoutException as exc:
                raise Retryable(SourceError(self.source, "timeout", f"timed out ({exc.__class__.__name__})"),
                                "timeout") from exc
            except httpx.TransportError as exc:
                raise Retryable(SourceError(self.source, "unreachable",
                                            f"unreachable ({exc.__class__.__name__})"), "transport") from exc
            retry = retryable_status(self.source, response.status_code, _excerpt(response),
                                     response.headers.get("Retry-After"))
            if retry is not None:
                raise retry
            if response.status_code >= 400:
                specific = on_error(response) if on_error else None
                raise specific or SourceError(self.source, f"http_{response.status_code}",
                                              f"HTTP {response.status_code}: {_excerpt(response)}")
            try:
                return response.json()
            except ValueError as exc:
                raise SourceError(self.source, "malformed", "response is not JSON") from exc

        return await call_with_retries(self.source, self.policy, self._sleep, attempt)


class JsonHttpSource:
    """Base of the adapters that read JSON over ``JsonHttp`` (Benzinga, NewsAPI, SEC EDGAR): the
    client built from the shared settings (timeout, retry policy, page limits), name and close."""

    source_name: ClassVar[str]

    def __init__(self, settings: NewsSourceSettings, base_url: str, *, headers: Mapping[str, str],
                 sleep: Sleep = asyncio.sleep, transport: httpx.AsyncBaseTransport | None = None):
        self._http = JsonHttp(self.source_name, base_url, timeout_s=settings.timeout_s,
                              policy=RetryPolicy.from_settings(settings), sleep=sleep, transport=transport,
                              headers=headers)
        self._page_size = settings.page_size
        self._max_pages = settings.max_pages

    @property
    def name(self) -> str:
        return self.source_name

    async def aclose(self) -> None:
        await self._http.aclose()


def _excerpt(response: httpx.Response, limit: int = 200) -> str:
    return response.text[:limit].replace("\n", " ")
