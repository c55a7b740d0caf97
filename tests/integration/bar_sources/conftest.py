"""A local HTTP server speaking Alpaca's market-data wire format, started by the tests themselves."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


Reply = tuple[int, Any]  # (status, JSON body or raw text)


@dataclass
class AlpacaDataServer:
    url: str
    requests: list[Seen] = field(default_factory=list)
    replies: list[Reply | Callable[[Seen], Reply]] = field(default_factory=list)

    def script(self, *replies: Reply | Callable[[Seen], Reply]) -> None:
        """Answer the next requests in order (the last reply repeats)."""
        self.replies = list(replies)


def _handler(server: AlpacaDataServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            seen = Seen(parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                        {k.lower(): v for k, v in self.headers.items()})
            server.requests.append(seen)
            if parts.path != "/v2/stocks/bars":
                self._send(404, {"code": 40410000, "message": "endpoint not found"})
                return
            reply = server.replies[min(len(server.requests), len(server.replies)) - 1]
            status, body = reply(seen) if callable(reply) else reply
            self._send(status, body)

        def _send(self, status: int, body: Any) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    return Handler


@pytest.fixture
def alpaca_server() -> Iterator[AlpacaDataServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = AlpacaDataServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
