"""A local HTTP server that speaks a news source's wire format, started by each adapter test."""

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
    """One request the server received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


Reply = tuple[int, dict[str, str], Any]  # status, headers, body (bytes/str sent as is, else JSON)
Route = Callable[[Seen], Reply]


@dataclass
class WireServer:
    url: str
    route: Route | None = None
    seen: list[Seen] = field(default_factory=list)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


class RecordingSleep:
    """Stands in for asyncio.sleep so backoff is asserted on, not waited for."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def wire_server() -> Iterator[WireServer]:
    server_ref: dict[str, WireServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            wire = server_ref["wire"]
            parts = urlsplit(self.path)
            seen = Seen(parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                        {k.lower(): v for k, v in self.headers.items()})
            wire.seen.append(seen)
            assert wire.route is not None, "test did not set a route"
            status, headers, body = wire.route(seen)
            payload = body if isinstance(body, bytes) else (
                body.encode() if isinstance(body, str) else json.dumps(body).encode())
            self.send_response(status)
            headers = {"Content-Type": "application/json", **headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    wire = WireServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    server_ref["wire"] = wire
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield wire
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def recording_sleep() -> RecordingSleep:
    return RecordingSleep()


# -- the News app on the session's real PostgreSQL and Redis ------------------------------------

NEWS_NOW = "2025-03-03T15:00:00+00:00"  # the replay clock's fixed "now" in these tests


@pytest.fixture
def build_news_app(make_settings: Callable[..., Any]) -> Callable[..., Any]:
    """``build_news_app(sources="replay,newsapi", replay_items=[...], NEWSAPI_URL=...)`` -> FastAPI
    (``replay_items=None``: the synthetic universe's own news, the production default)."""
    from catalyst.news.config import NewsSettings
    from catalyst.news.sentiment.config import SentimentSettings
    from catalyst.news_sources.base import NewsSourceSettings
    from catalyst.services import ServiceName
    from services.news.app import build_app

    def build(*, sources: str = "replay", replay_items: Any = (), service_env: dict[str, Any] | None = None,
              **source_env: Any) -> Any:
        source_values: dict[str, Any] = {"NEWS_SOURCES": sources, "NEWS_REPLAY_NOW": NEWS_NOW,
                                         "NEWS_SOURCE_ATTEMPTS": 1, "NEWS_SOURCE_TIMEOUT": 2}
        source_values.update(source_env)
        news_values: dict[str, Any] = {"NEWS_SOURCE_DEADLINE": 3}
        news_values.update(service_env or {})
        settings = NewsSettings(source_settings=NewsSourceSettings(**source_values),
                                sentiment_settings=SentimentSettings(SENTIMENT_BACKEND="lexicon"), **news_values)
        items = None if replay_items is None else list(replay_items)
        return build_app(make_settings(ServiceName.NEWS), news_settings=settings, replay_items=items)

    return build


@pytest.fixture
def securities(database: Any) -> Callable[..., Any]:
    """``await securities("NWSA", "NWSB")``: make the symbols known (active securities)."""

    async def create(*symbols: str) -> None:
        async with database.acquire() as conn:
            await conn.execute("SELECT get_or_create_securities($1::text[])", list(symbols))

    return create
