"""How the news source adapters assemble a SourceBatch: pages, chunks, concurrent queries, skipped stories."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from catalyst.domain.news import NewsItem
from catalyst.news_sources.base import (
    SourceBatch,
    gather_batches,
    merge_batches,
    read_pages,
    symbol_chunks,
)
from catalyst.news_sources.items import MalformedItem, build_item, collect_items

T0 = datetime(2024, 7, 1, 13, 30, tzinfo=UTC)


def _skipped(source: str) -> float:
    return REGISTRY.get_sample_value("catalyst_news_source_items_skipped_total", {"source": source}) or 0.0


def _parse(raw: Any) -> NewsItem | None:
    """Test wire format: (id, minutes after T0); None = not ours; anything else is malformed."""
    if raw is None:
        return None
    ident, minutes = raw
    return build_item(source="t", source_id=ident, symbols=["AAPL"], headline=f"story {ident}",
                      published_at=T0 + timedelta(minutes=minutes))


def test_collect_items_skips_malformed_drops_foreign_and_out_of_window() -> None:
    raws = [("a", 0), None, "garbage", ("b", 61), ("", 5), ("c", 60)]
    items, skipped = collect_items(raws, _parse, T0, T0 + timedelta(minutes=60))
    assert [i.source_id for i in items] == ["a", "c"]  # b is outside the window (end inclusive)
    assert skipped == 2  # "garbage" (ValueError on unpacking) and the empty id (MalformedItem)
    with pytest.raises(MalformedItem):  # only the named exceptions count as malformed
        collect_items([("", 5)], _parse, T0, T0, malformed=(TypeError,))


async def test_read_pages_until_the_last_page_the_cap_or_max_pages() -> None:
    asked: list[int] = []

    def pager(last: int, *, stop_with_none: bool = False) -> Any:
        async def page(number: int) -> tuple[list[Any], bool] | None:
            asked.append(number)
            if stop_with_none and number == last:
                return None
            return [(f"p{number}", number)], number < last

        return page

    until = T0 + timedelta(days=1)
    batch = await read_pages(pager(2), _parse, T0, until, max_pages=10)
    assert ([i.source_id for i in batch.items], batch.pages, asked) == (["p0", "p1", "p2"], 3, [0, 1, 2])
    asked.clear()
    batch = await read_pages(pager(5), _parse, T0, until, max_pages=2)
    assert (batch.pages, asked) == (2, [0, 1])
    asked.clear()
    batch = await read_pages(pager(1, stop_with_none=True), _parse, T0, until, max_pages=10)
    assert ([i.source_id for i in batch.items], batch.pages) == (["p0"], 2)  # the refused call counts


async def test_batches_merge_in_order_and_count_skipped_stories() -> None:
    one = _parse(("a", 0))
    two = _parse(("b", 1))
    assert one is not None
    assert two is not None
    before = _skipped("t-merge")
    merged = merge_batches("t-merge", [SourceBatch([one], 2, 1), SourceBatch([two], 1, 3)])
    assert (merged.items, merged.skipped, merged.pages) == ([one, two], 3, 4)
    assert _skipped("t-merge") == before + 3

    running = peak = 0

    async def fetch(key: int) -> SourceBatch:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * (5 - key))
        running -= 1
        item = _parse((f"k{key}", key))
        assert item is not None
        return SourceBatch([item], 0, 1)

    gathered = await gather_batches("t-gather", range(5), fetch, concurrency=2)
    assert [i.source_id for i in gathered.items] == ["k0", "k1", "k2", "k3", "k4"]
    assert (gathered.pages, peak) == (5, 2)


def test_symbol_chunks_are_sorted_and_bounded() -> None:
    assert symbol_chunks({"MSFT", "AAPL", "TSLA"}, 2) == [["AAPL", "MSFT"], ["TSLA"]]
    assert symbol_chunks([], 50) == []
