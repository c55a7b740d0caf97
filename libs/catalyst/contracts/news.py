"""News service API (port 5008): request and response models shared by the service and its client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from catalyst.contracts.endpoints import RouteTable, endpoint
from catalyst.domain.bounded import EXAMPLE_SYMBOL, SourceId, SymbolInput, Text, Timestamp, Url
from catalyst.domain.market import SYMBOL_PATTERN
from catalyst.domain.news import CatalystType, NewsEvent, StoryRef

__all__ = [
    "CATALYSTS_PATH", "NEWS_PATH", "CatalystBatchRequest", "CatalystBatchResponse", "CatalystListing",
    "IngestRequest", "IngestResponse", "MissingSource", "NewsEvent", "NewsResponse", "NewsRoutes", "PushedNewsItem",
    "RejectedItem", "StoryRef", "SymbolCatalysts",
]

NEWS_PATH = "/api/v1/news"  # GET /{symbol}, POST /ingest
CATALYSTS_PATH = "/api/v1/catalysts"  # POST /batch, GET /recent
MAX_BATCH_SYMBOLS = 500
MAX_INGEST_ITEMS = 1000
MAX_ITEM_SYMBOLS = 50
MAX_LISTED_SYMBOLS = 50_000  # symbols one market-wide listing may name: several whole markets

Strength = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Sentiment = Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)]
ListedSymbol = Annotated[str, Field(pattern=SYMBOL_PATTERN)]


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


class CatalystListing(BaseModel):
    """Every symbol with a qualifying event in the window, market-wide, strongest first (the
    scanner's universe starts here), as columns: row ``i`` of each list is ``symbols[i]``'s. It
    carries what the scanner judges (its ``SymbolCatalysts`` figures and its top event's id, type and
    time) and no outside text: a headline is the batch answer's (``POST /catalysts/batch``).
    Columns parse far faster than thousands of event objects. No event may be published after
    ``until`` (no look-ahead); one may be before ``since`` (an event's time is its first story's,
    and it is listed when any of its stories is in the window)."""

    since: AwareDatetime = Field(description="The window's start: until minus the look-back unless given")
    until: AwareDatetime
    symbols: list[ListedSymbol] = Field(max_length=MAX_LISTED_SYMBOLS, description="Strongest first")
    event_ids: list[UUID] = Field(max_length=MAX_LISTED_SYMBOLS, description="Each symbol's strongest event")
    catalyst_types: list[CatalystType] = Field(max_length=MAX_LISTED_SYMBOLS, description="Its strongest event's")
    published_at: list[AwareDatetime] = Field(max_length=MAX_LISTED_SYMBOLS, description="Its strongest event's")
    max_strengths: list[Strength] = Field(max_length=MAX_LISTED_SYMBOLS)
    mean_sentiments: list[Sentiment] = Field(max_length=MAX_LISTED_SYMBOLS,
                                             description="Strength-weighted mean of the events' sentiment")
    event_counts: list[Annotated[int, Field(ge=1)]] = Field(max_length=MAX_LISTED_SYMBOLS)
    missing_sources: list[MissingSource] = Field(default_factory=list)
    degraded: bool = Field(False, description="True when a source was missing: the list may be incomplete")

    @model_validator(mode="after")
    def _rows_match(self) -> Self:
        columns = (self.event_ids, self.catalyst_types, self.published_at, self.max_strengths,
                   self.mean_sentiments, self.event_counts)
        if any(len(c) != len(self.symbols) for c in columns):
            raise ValueError("every column must have one entry per symbol")
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError("a symbol is listed twice")
        if self.since > self.until:
            raise ValueError("since is after until")
        if self.published_at and max(self.published_at) > self.until:
            raise ValueError("an event is published after until")
        return self

    @classmethod
    def of(cls, since: AwareDatetime, until: AwareDatetime, catalysts: Sequence[SymbolCatalysts],
           missing_sources: Sequence[MissingSource] = ()) -> CatalystListing:
        """The listing of ``catalysts`` (in their order)."""
        return cls(since=since, until=until, symbols=[c.symbol for c in catalysts],
                   event_ids=[c.top.event_id for c in catalysts],
                   catalyst_types=[c.top.catalyst_type for c in catalysts],
                   published_at=[c.top.published_at for c in catalysts],
                   max_strengths=[c.max_strength for c in catalysts],
                   mean_sentiments=[c.mean_sentiment for c in catalysts],
                   event_counts=[c.event_count for c in catalysts],
                   missing_sources=list(missing_sources), degraded=bool(missing_sources))


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
    recent_catalysts = endpoint("GET", f"{CATALYSTS_PATH}/recent", CatalystListing)
