"""Pure steps of the news pipeline: checking pushed items, and scoring items into stories."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from catalyst.contracts.news import PushedNewsItem, RejectedItem
from catalyst.domain.market import is_symbol
from catalyst.domain.news import NewsItem
from catalyst.news.classify import classify
from catalyst.news.models import ScoredStory
from catalyst.news.sentiment.base import SentimentScorer


def pushed_source_id(item: PushedNewsItem, published_at: datetime) -> str:
    """A stable id for an item pushed without one, so pushing it twice stores it once."""
    digest = hashlib.sha256(f"{item.source}|{published_at.isoformat()}|{item.headline.strip()}".encode())
    return f"push-{digest.hexdigest()[:32]}"


def _reject(index: int, raw: Any, field: str, reason: str) -> RejectedItem:
    source_id = raw.get("source_id") if isinstance(raw, Mapping) else None
    return RejectedItem(index=index, source_id=source_id if isinstance(source_id, str) else None,
                        field=field, reason=reason)


def check_pushed_item(index: int, raw: Any, *, known_symbols: Collection[str], now: datetime,
                      max_skew: timedelta) -> NewsItem | RejectedItem:
    """The NewsItem of one pushed item, or why it is refused (first problem found)."""
    if not isinstance(raw, Mapping):
        return _reject(index, raw, "item", "item is not a JSON object")
    try:
        item = PushedNewsItem.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "item"
        return _reject(index, raw, field, str(first.get("msg", "invalid value")))
    if not item.headline.strip():
        return _reject(index, raw, "headline", "headline is missing or empty")
    symbols = list(dict.fromkeys(s.strip().upper() for s in item.symbols if s.strip()))
    if not symbols:
        return _reject(index, raw, "symbols", "at least one symbol is required")
    malformed = [s for s in symbols if not is_symbol(s)]
    if malformed:
        return _reject(index, raw, "symbols", f"malformed symbol(s): {', '.join(malformed)}")
    unknown = [s for s in symbols if s not in known_symbols]
    if unknown:
        return _reject(index, raw, "symbols", f"unknown symbol(s): {', '.join(unknown)}")
    if item.published_at is None:
        return _reject(index, raw, "published_at", "published_at is required")
    if item.published_at > now + max_skew:
        return _reject(index, raw, "published_at",
                       f"published_at {item.published_at.isoformat()} is in the future (now {now.isoformat()})")
    return NewsItem(source=item.source, source_id=item.source_id or pushed_source_id(item, item.published_at),
                    symbols=symbols, headline=" ".join(item.headline.split()), summary=item.summary.strip(),
                    url=item.url or None, published_at=item.published_at)


def check_pushed(raw_items: Sequence[Any], *, known_symbols: Collection[str], now: datetime,
                 max_skew: timedelta) -> tuple[list[NewsItem], list[RejectedItem]]:
    """Split a pushed batch into good items and rejections naming each bad item."""
    good: list[NewsItem] = []
    bad: list[RejectedItem] = []
    for index, raw in enumerate(raw_items):
        result = check_pushed_item(index, raw, known_symbols=known_symbols, now=now, max_skew=max_skew)
        if isinstance(result, RejectedItem):
            bad.append(result)
        else:
            good.append(result)
    return good, bad


def pushed_symbols(raw_items: Sequence[Any]) -> set[str]:
    """Every well-formed symbol named in a pushed batch (to look up which are known)."""
    found: set[str] = set()
    for raw in raw_items:
        symbols = raw.get("symbols") if isinstance(raw, Mapping) else None
        if isinstance(symbols, list):
            found.update(s.strip().upper() for s in symbols if isinstance(s, str) and is_symbol(s.strip().upper()))
    return found


def score_items(items: Sequence[NewsItem], scorer: SentimentScorer) -> list[ScoredStory]:
    """Classify and score each item once, then expand it into one story per symbol."""
    if not items:
        return []
    sentiments = scorer.score_batch([i.headline for i in items])
    stories: list[ScoredStory] = []
    for item, sentiment in zip(items, sentiments, strict=True):
        match = classify(item.headline, item.summary)
        for symbol in dict.fromkeys(s.upper() for s in item.symbols):
            stories.append(ScoredStory(
                symbol=symbol, source=item.source, source_id=item.source_id, headline=item.headline,
                summary=item.summary, url=item.url, published_at=item.published_at,
                catalyst_type=match.catalyst_type, catalyst_score=match.score,
                sentiment_score=sentiment.score, sentiment_label=sentiment.label,
            ))
    return stories
