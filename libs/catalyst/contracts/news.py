"""News service API (port 5008): request and response models shared by the service and its client."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.bounded import EXAMPLE_SYMBOL, SourceId, SymbolInput, Text, Timestamp, Url
from catalyst.domain.news import NewsEvent, StoryRef

__all__ = [
    "CATALYSTS_PATH", "NEWS_PATH", "CatalystBatchRequest", "CatalystBatchResponse", "IngestRequest", "IngestResponse",
    "MissingSource", "NewsEvent", "NewsResponse", "NewsRoutes", "PushedNewsItem", "RecentCatalystsResponse",
    "RejectedItem", "StoryRef", "SymbolCatalysts",
]

NEWS_PATH = "/api/v1/news"  # GET /{symbol}, POST /ingest
CATALYSTS_PATH = "/api/v1/catalysts"  # POST /batch, GET /recent
MAX_BATCH_SYMBOLS = 500
MAX_INGEST_ITEMS = 1000
MAX_ITEM_SYMBOLS = 50


class MissingSource(BaseModel):
    """A source that did not answer for this request; its earlier news (cached) is still served."""

    source: str
    reason: str = Field(examples=["timeout", "rate_limited", "http_500", "circuit_open"])


class NewsResponse(BaseModel):
    symbol: str
    since: AwareDatetime
    until: AwareDatetime
    events: list[NewsEvent] = Field(description="Newest first")
    missing_sources: list[MissingSource] = Field(default_factory=list)
    degraded: bool = Field(False, description="True when a source was missing: news may be incomplete")


class CatalystBatchRequest(BaseModel):
    symbols: list[SymbolInput] = Field(min_length=1, max_length=MAX_BATCH_SYMBOLS)
    since: Timestamp | None = Field(None, description="Default: until minus the configured look-back")
    until: Timestamp | None = Field(None, description="Default: now")
    min_strength: float = Field(0.0, ge=0, le=1, allow_inf_nan=False,
                                description="Only events at least this strong count")


class SymbolCatalysts(BaseModel):
    symbol: str
    top: NewsEvent = Field(description="The strongest event of the window")
    event_count: int = Field(ge=1)
    max_strength: float = Field(ge=0, le=1)
    mean_sentiment: float = Field(ge=-1, le=1, description="Strength-weighted mean of the events' sentiment")


class CatalystBatchResponse(BaseModel):
    since: AwareDatetime
    until: AwareDatetime
    catalysts: list[SymbolCatalysts] = Field(description="Symbols with a catalyst, strongest first")
    without_catalyst: list[str] = Field(default_factory=list, description="Asked for, but no qualifying event")
    missing_sources: list[MissingSource] = Field(default_factory=list)
    degraded: bool = False


class RecentCatalystsResponse(BaseModel):
    """Every symbol with news in the window, market-wide (the scanner's universe starts here)."""

    since: AwareDatetime
    until: AwareDatetime
    catalysts: list[SymbolCatalysts] = Field(description="Symbols with a qualifying event, strongest first")
    missing_sources: list[MissingSource] = Field(default_factory=list)
    degraded: bool = Field(False, description="True when a source was missing: the list may be incomplete")


class PushedNewsItem(BaseModel):
    """An item pushed to ``/api/v1/news/ingest``. Checked item by item, so one bad item is reported,
    not the whole batch; ``source_id`` defaults to a digest of source, time and headline."""

    source: str = Field("push", pattern=r"^[a-z][a-z0-9_]{0,31}$")
    source_id: SourceId | None = None
    symbols: list[SymbolInput] = Field(default_factory=list, max_length=MAX_ITEM_SYMBOLS)
    headline: Text = ""
    summary: Text = ""
    url: Url | None = None
    published_at: Timestamp | None = None


class IngestRequest(BaseModel):
    """Items are parsed one by one on the server (as :class:`PushedNewsItem`)."""

    items: list[Any] = Field(min_length=1, max_length=MAX_INGEST_ITEMS, examples=[[{
        "symbols": [EXAMPLE_SYMBOL], "headline": f"{EXAMPLE_SYMBOL} wins $200 million Navy contract",
        "published_at": "2025-03-03T14:30:00Z", "url": "https://news.example/1"}]])


class RejectedItem(BaseModel):
    index: int = Field(description="Position of the item in the request")
    source_id: str | None = None
    field: str = Field(examples=["headline", "symbols", "published_at"])
    reason: str


class IngestResponse(BaseModel):
    received: int
    stored: int = Field(description="New stories written (one per symbol of each good item)")
    duplicates: int = Field(description="Stories already stored (re-pushed items)")
    rejected: list[RejectedItem] = Field(default_factory=list)
    events: list[NewsEvent] = Field(default_factory=list, description="Events the stored stories belong to")


class NewsRoutes(RouteTable):
    """The News service's operations (reads: ``news_for_symbol``, ``catalysts_batch``, ``recent_catalysts``;
    push: ``ingest``)."""

    news_for_symbol = endpoint("GET", f"{NEWS_PATH}/{{symbol}}", NewsResponse)
    ingest = endpoint("POST", f"{NEWS_PATH}/ingest", IngestResponse, request=IngestRequest)
    catalysts_batch = endpoint("POST", f"{CATALYSTS_PATH}/batch", CatalystBatchResponse, request=CatalystBatchRequest)
    recent_catalysts = endpoint("GET", f"{CATALYSTS_PATH}/recent", RecentCatalystsResponse)
