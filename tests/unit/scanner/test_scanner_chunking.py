"""A stage's batch call split to the endpoint's cap, a few chunks in flight at a time."""

from __future__ import annotations

import asyncio

from catalyst.scanner.evidence import chunks, in_chunks


def test_chunks_keep_order_and_cap() -> None:
    names = [f"S{i}" for i in range(450)]
    parts = chunks(names, 200)
    assert [len(p) for p in parts] == [200, 200, 50]
    assert [s for p in parts for s in p] == names
    assert chunks([], 200) == []


async def test_in_chunks_answers_in_order_with_at_most_n_in_flight() -> None:
    running = peak = 0

    async def call(part: list[str]) -> list[str]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)  # yield, so the other chunks' calls get their turn to start
        running -= 1
        return part

    names = [f"S{i}" for i in range(1000)]
    answers = await in_chunks(names, 100, call, in_flight=3)
    assert [s for a in answers for s in a] == names
    assert peak == 3
