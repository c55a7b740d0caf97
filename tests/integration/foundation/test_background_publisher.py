"""Events posted to a ``BackgroundPublisher`` reach Redis in order, past a failed publish, all of them by ``flush``."""

from __future__ import annotations

import asyncio

from redis.exceptions import ConnectionError as RedisConnectionError

from catalyst.bus import BackgroundPublisher, Channel, Event, EventBus, PositionUpdate
from catalyst.bus import Subscription as BusSubscription


def update(n: int) -> PositionUpdate:
    return PositionUpdate(position_id=f"p{n}", symbol="FLSH", side="long", quantity=n, avg_entry_price=10,
                          market_price=10, unrealized_pnl=0, status="open")


class RecordingBus(EventBus):
    """The real bus, noting each event once Redis has taken it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.published: list[Event] = []

    async def publish(self, event: Event) -> int:
        receivers = await super().publish(event)
        self.published.append(event)
        return receivers


class FirstPublishFails(RecordingBus):
    """The real bus, whose first publish meets a dropped connection."""

    failed = False

    async def publish(self, event: Event) -> int:
        if not self.failed:
            self.failed = True
            raise RedisConnectionError("connection dropped")
        return await super().publish(event)


async def received(subscription: BusSubscription, count: int) -> list[Event]:
    out: list[Event] = []
    async for event in subscription.events():
        out.append(event)
        if len(out) == count:
            break
    return out


async def test_posted_events_arrive_in_order_once_flushed(redis_client, redis_namespace):
    bus = RecordingBus(redis_client, redis_namespace + "publisher:")
    subscription = await bus.open_subscription(Channel.POSITION_UPDATE)
    try:
        publisher = BackgroundPublisher(bus)
        events = [update(n) for n in range(50)]
        for event in events:
            publisher.post(event)
        assert bus.published == []  # posting never waits on Redis
        await publisher.flush()
        assert bus.published == events
        assert await asyncio.wait_for(received(subscription, 50), 5) == events
    finally:
        await subscription.aclose()


async def test_a_failed_publish_is_logged_and_the_next_goes_out(redis_client, redis_namespace):
    bus = FirstPublishFails(redis_client, redis_namespace + "publisher-fails:")
    subscription = await bus.open_subscription(Channel.POSITION_UPDATE)
    try:
        publisher = BackgroundPublisher(bus)
        first, second, third = update(1), update(2), update(3)
        publisher.post(first, second, third)
        await publisher.flush()
        assert bus.published == [second, third]
        assert await asyncio.wait_for(received(subscription, 2), 5) == [second, third]
    finally:
        await subscription.aclose()


async def test_flush_waits_for_events_posted_while_it_waits(redis_client, redis_namespace):
    bus = RecordingBus(redis_client, redis_namespace + "publisher-late:")
    publisher = BackgroundPublisher(bus)
    first, second = update(1), update(2)
    publisher.post(first)
    flushing = asyncio.create_task(publisher.flush())
    await asyncio.sleep(0)  # the flush is waiting on the first publish
    publisher.post(second)
    await flushing
    assert bus.published == [first, second]
