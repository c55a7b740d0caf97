"""Shared helpers that turn a source's raw story into a domain ``NewsItem``."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime
from typing import TypeVar

from catalyst.domain.market import is_symbol
from catalyst.domain.news import NewsItem

R = TypeVar("R")


class MalformedItem(ValueError):
    """A raw story that cannot become a NewsItem (missing headline, bad date …)."""


# What a parser raises on a story it cannot read (MalformedItem is a ValueError).
MALFORMED = (ValueError, TypeError, KeyError)


def aware(ts: datetime) -> datetime:
    """Naive timestamps from a source are UTC."""
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def relevant_symbols(symbols: Iterable[str], wanted: Collection[str] | None) -> list[str]:
    """The story's symbols we asked for (None: a market-wide query, every one that is a ticker as
    the system spells it), upper-cased, in order, without repeats."""
    seen: list[str] = []
    for raw in symbols:
        symbol = raw.strip().upper()
        if (symbol in wanted if wanted is not None else is_symbol(symbol)) and symbol not in seen:
            seen.append(symbol)
    return seen


def build_item(*, source: str, source_id: object, symbols: list[str], headline: object,
               summary: object = "", url: object = None, published_at: datetime) -> NewsItem:
    """A validated NewsItem; raises MalformedItem for a story with no id, headline or symbol."""
    text = headline.strip() if isinstance(headline, str) else ""
    if not text:
        raise MalformedItem("story has no headline")
    ident = str(source_id).strip() if source_id is not None else ""
    if not ident or len(ident) > 256:
        raise MalformedItem("story has no usable id")
    if not symbols:
        raise MalformedItem("story has no symbol")
    return NewsItem(
        source=source,
        source_id=ident,
        symbols=symbols,
        headline=" ".join(text.split()),
        summary=" ".join(summary.split()) if isinstance(summary, str) else "",
        url=url if isinstance(url, str) and url else None,
        published_at=aware(published_at),
    )


def within(item: NewsItem, since: datetime, until: datetime) -> bool:
    return since <= item.published_at <= until


def collect_items(raws: Iterable[R], parse: Callable[[R], NewsItem | None], since: datetime, until: datetime,
                  *, malformed: tuple[type[Exception], ...] = MALFORMED) -> tuple[list[NewsItem], int]:
    """``parse`` each raw story: (the items published in ``[since, until]``, how many were malformed).

    A story that raises one of ``malformed`` is skipped and counted, never fatal; ``parse``
    returns None for a story that is not about a wanted symbol (not counted).
    """
    items: list[NewsItem] = []
    skipped = 0
    for raw in raws:
        try:
            item = parse(raw)
        except malformed:
            skipped += 1
            continue
        if item is not None and within(item, since, until):
            items.append(item)
    return items, skipped
