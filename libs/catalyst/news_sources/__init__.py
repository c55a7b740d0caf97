"""News source adapters behind one interface: Alpaca, NewsAPI, Benzinga, SEC EDGAR and the offline replay."""

from catalyst.news_sources.base import NewsSource, NewsSourceSettings, SourceBatch, SourceError

__all__ = ["NewsSource", "NewsSourceSettings", "SourceBatch", "SourceError"]
