"""The service client against a real local HTTP server: retries, breaker, envelopes, context."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from catalyst.context import request_id_var
from catalyst.errors import NotFound, ServiceUnavailable, UpstreamError
from catalyst.http import ServiceClient
from tests.support.fake_time import FakeTime


class Upstream:
    """A tiny HTTP server whose answers the test scripts."""

    def __init__(self) -> None:
        self.status = 200
        self.script: list[int] = []
        self.hits = 0
        self.headers: list[dict[str, str]] = []
        self.hold: threading.Event | None = None  # set: each answer waits until the test releases it
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if upstream.hold is not None:
                    upstream.hold.wait(timeout=30)
                upstream.hits += 1
                upstream.headers.append(dict(self.headers))
                status = upstream.script.pop(0) if upstream.script else upstream.status
                if status == 404:
                    body = {"error": {"code": "SYMBOL_NOT_FOUND", "message": "no such symbol",
                                      "details": {"symbol": "ZZZZ"}}}
                elif status >= 400:
                    body = {"error": {"code": "DOWN", "message": "down", "details": {}}}
                else:
                    body = {"ok": True}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.server.shutdown()


def _client(upstream: Upstream, **kw) -> ServiceClient:
    opts = {"backoff_initial": 0.001, "backoff_max": 0.002, "breaker_recovery_s": 0.3, **kw}
    return ServiceClient("technical", upstream.url, "key-1", **opts)


async def test_retries_a_503_then_succeeds(upstream):
    upstream.script = [503, 429]
    client = _client(upstream)
    assert await client.get("/x") == {"ok": True}
    assert upstream.hits == 3


async def test_gives_up_after_three_attempts(upstream):
    upstream.status = 503
    client = _client(upstream)
    with pytest.raises(ServiceUnavailable):
        await client.get("/x")
    assert upstream.hits == 3


async def test_4xx_is_not_retried_and_keeps_the_remote_envelope(upstream):
    upstream.status = 404
    client = _client(upstream)
    with pytest.raises(NotFound) as caught:
        await client.get("/x")
    assert caught.value.code == "SYMBOL_NOT_FOUND"
    assert caught.value.details["symbol"] == "ZZZZ"
    assert upstream.hits == 1


async def test_breaker_opens_after_five_failures_and_recovers(upstream):
    upstream.status = 503
    client = _client(upstream, attempts=1)
    for _ in range(5):
        with pytest.raises(ServiceUnavailable) as caught:
            await client.get("/x")
        assert caught.value.code == "DOWN"
    assert await client.breaker_state() == "opened"
    hits = upstream.hits
    with pytest.raises(ServiceUnavailable) as caught:
        await client.get("/x")
    assert caught.value.code == "CIRCUIT_OPEN"
    assert upstream.hits == hits  # refused without calling
    upstream.status = 200  # the upstream heals
    await asyncio.sleep(0.35)  # the behaviour under test: past the recovery time, half-open lets one call through
    assert await client.get("/x") == {"ok": True}
    assert await client.breaker_state() == "closed"


async def test_breaker_false_bypasses_an_open_breaker_and_does_not_feed_it(upstream):
    """The emergency path (``breaker=False``) is neither refused by an open breaker nor counted by
    it; its retries are the same as anyone's."""
    upstream.status = 503
    client = _client(upstream, attempts=1, breaker_recovery_s=60.0)
    for _ in range(5):
        with pytest.raises(ServiceUnavailable):
            await client.get("/x")
    assert await client.breaker_state() == "opened"
    with pytest.raises(ServiceUnavailable) as caught:
        await client.post("/x")
    assert caught.value.code == "CIRCUIT_OPEN"
    hits = upstream.hits
    with pytest.raises(ServiceUnavailable) as caught:  # the open breaker does not stop it: the upstream answers
        await client.post("/x", breaker=False)
    assert caught.value.code == "DOWN"
    assert upstream.hits == hits + 1
    upstream.status = 200
    assert await client.post("/x", breaker=False) == {"ok": True}
    assert await client.request("GET", "/x", breaker=False) == {"ok": True}
    assert await client.breaker_state() == "opened"  # a success outside the breaker does not close it either

    fresh = _client(upstream)  # three attempts
    upstream.status = 503
    for _ in range(4):  # twelve failed attempts, none counted
        with pytest.raises(ServiceUnavailable):
            await fresh.post("/x", breaker=False)
    assert await fresh.breaker_state() == "closed"
    upstream.script, upstream.status = [503, 429], 200
    hits = upstream.hits
    assert await fresh.post("/x", breaker=False) == {"ok": True}  # retried as usual
    assert upstream.hits == hits + 3


async def test_unreachable_target_is_an_upstream_error():
    client = ServiceClient("news", "http://127.0.0.1:1", "k", backoff_initial=0.001, backoff_max=0.002)
    with pytest.raises(UpstreamError) as caught:
        await client.get("/x")
    assert caught.value.code == "UPSTREAM_UNREACHABLE"


async def test_forwards_request_id_and_api_key(upstream):
    client = _client(upstream)
    token = request_id_var.set("req-42")
    try:
        await client.get("/x")
    finally:
        request_id_var.reset(token)
    assert upstream.headers[-1]["X-Request-ID"] == "req-42"
    assert upstream.headers[-1]["X-API-Key"] == "key-1"


async def test_backoff_and_recovery_run_on_the_injected_sleep_and_clock(upstream):
    """Jittered exponential backoff between the three attempts; the breaker half-opens when the
    injected clock says so, with no real waiting."""
    time = FakeTime()
    upstream.status = 503
    client = ServiceClient("technical", upstream.url, "key-1", backoff_initial=0.2, backoff_max=2.0,
                           breaker_threshold=5, breaker_recovery_s=60.0, sleep=time.sleep, clock=time)
    with pytest.raises(ServiceUnavailable):
        await client.get("/x")
    assert len(time.waits) == 2
    assert 0.1 <= time.waits[0] <= 0.2  # up to half of each wait is jitter
    assert 0.2 <= time.waits[1] <= 0.4
    with pytest.raises(ServiceUnavailable):
        await client.get("/x")  # the fifth failed attempt opens the breaker
    assert await client.breaker_state() == "opened"
    upstream.status = 200
    time.now += 59.0
    with pytest.raises(ServiceUnavailable) as caught:
        await client.get("/x")
    assert caught.value.code == "CIRCUIT_OPEN"
    time.now += 1.0
    assert await client.get("/x") == {"ok": True}  # the probe
    assert await client.breaker_state() == "closed"


async def test_an_operation_long_by_nature_has_its_own_timeout(upstream: Upstream) -> None:
    """A whole scan or a day's report outlasts the client's timeout for quick calls: the route's own
    ``timeout_s`` replaces it for that call only (``Endpoint.timeout_s``)."""
    upstream.hold = threading.Event()
    client = ServiceClient("scanner", upstream.url, "key", timeout=0.2, attempts=1)
    try:
        with pytest.raises(UpstreamError, match="unreachable: ReadTimeout"):
            await client.request("GET", "/quick")
        release = threading.Timer(0.5, upstream.hold.set)  # the slow operation finishes after the default
        release.start()
        assert await client.request("GET", "/scan", timeout_s=10.0) == {"ok": True}
    finally:
        upstream.hold.set()
        await client.aclose()
