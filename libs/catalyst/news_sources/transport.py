"""JSON over HTTP for the source adapters: timeouts, retries with backoff, ``Retry-After``.

429 and 503 wait for the server's ``Retry-After`` (seconds or an HTTP date) when it gives one,
otherwise for an exponential backoff; 5xx, timeouts and connection errors back off and retry;
other 4xx answers are final. Waits are capped by ``max_backoff_s``: a server asking for longer
is treated as down (the service serves cached news instead of stalling a request). The loop is
``catalyst.resilience``'s; what is here is the sources' part: which answers are retryable, the
``Retry-After`` header, and turning the last failure into a ``SourceError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, TypeVar

import httpx

from catalyst.logging import get_logger
from catalyst.news_sources.base import SOURCE_RETRIES, NewsSourceSettings, SourceError
from catalyst.resilience import Retrier, RetryAfterTooLong, RetryEvent, RetryPolicy
from catalyst.resilience import Sleep as Sleep  # the adapters take it from here

log = get_logger(__name__)

T = TypeVar("T")
RETRY_AFTER_STATUS = frozenset({429, 503})


def retry_policy(settings: NewsSourceSettings) -> RetryPolicy:
    """The sources' policy: ``Retryable`` failures, backoff_s doubling up to max_backoff_s, no jitter
    (a ``Retry-After`` is what spreads the retries of a rate-limited source)."""
    return RetryPolicy(retry_on=(Retryable,), attempts=settings.attempts, backoff_s=settings.backoff_s,
                       max_backoff_s=settings.max_backoff_s)


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


class Retryable(Exception):
    """One attempt failed in a way worth another try (429, 5xx, timeout, connection refused)."""

    def __init__(self, error: SourceError, metric_reason: str, retry_after: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.metric_reason = metric_reason
        self.retry_after = retry_after


def _asked_wait(error: BaseException) -> float | None:
    return error.retry_after if isinstance(error, Retryable) else None


async def call_with_retries(source: str, policy: RetryPolicy, sleep: Sleep,
                            attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` until it succeeds, raises a final SourceError, or the policy gives up."""

    def on_retry(event: RetryEvent) -> None:
        assert isinstance(event.error, Retryable)  # the policy retries nothing else
        reason = event.error.metric_reason
        SOURCE_RETRIES.labels(source, reason).inc()
        log.info("news_source_retry", source=source, reason=reason, attempt=event.attempt, wait_s=event.wait_s)

    try:
        return await Retrier(policy, sleep=sleep).call(attempt, on_retry=on_retry, requested_wait=_asked_wait)
    except Retryable as exc:
        raise exc.error from exc
    except RetryAfterTooLong as exc:
        raise _over_cap(source, exc) from exc


def _over_cap(source: str, refused: RetryAfterTooLong) -> SourceError:
    """The SourceError for a server that asked to wait longer than the policy allows."""
    assert isinstance(refused.error, Retryable)  # only a Retryable asks for a wait
    last = refused.error.error
    return SourceError(source, last.reason, f"{last}; Retry-After {refused.requested_s:.0f}s exceeds the "
                                            f"{refused.cap_s:.0f}s cap")


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
                              policy=retry_policy(settings), sleep=sleep, transport=transport,
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
