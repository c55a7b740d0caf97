"""``EventBus.open_subscription``: subscribed on return, events read later, closed cleanly."""

from __future__ import annotations

import asyncio
import uuid

from catalyst.bus import Channel, EventBus, RiskAlert, ScanComplete
from tests.support.waiting import eventually


async def _subscribers(redis_client, bus: EventBus, channel: Channel) -> int:
    name = bus.channel_name(channel)
    return int(dict(await redis_client.pubsub_numsub(name)).get(name.encode(), 0))


async def test_events_published_before_reading_are_not_missed(redis_client, redis_namespace):
    bus = EventBus(redis_client, f"{redis_namespace}{uuid.uuid4().hex[:6]}:")
    subscription = await bus.open_subscription(Channel.RISK_ALERT)
    assert await _subscribers(redis_client, bus, Channel.RISK_ALERT) == 1  # subscribed on return
    alert = RiskAlert(level="critical", rule="daily_loss", message="limit reached", value=2000, limit=2000)
    assert await bus.publish(alert) == 1
    await bus.publish(ScanComplete(cycle_id="c1", candidates_count=0))  # another channel: not seen
    events = subscription.events()
    try:
        assert await asyncio.wait_for(anext(events), 5) == alert
    finally:
        await events.aclose()
        await subscription.aclose()
    async def unsubscribed() -> bool:
        return await _subscribers(redis_client, bus, Channel.RISK_ALERT) == 0

    await eventually(unsubscribed, what="the subscription gone from Redis")
    assert await _subscribers(redis_client, bus, Channel.RISK_ALERT) == 0


async def test_reading_ends_when_the_subscription_is_closed(redis_client, redis_namespace):
    bus = EventBus(redis_client, f"{redis_namespace}{uuid.uuid4().hex[:6]}:")
    subscription = await bus.open_subscription(Channel.ORDER_FILLED)
    received = []
    reading = asyncio.Event()

    async def read() -> str:
        reading.set()  # the loop below suspends in its first read before the test goes on
        try:
            async for event in subscription.events():
                received.append(event)
        except Exception as exc:  # a closed connection may surface as an error instead of an end
            return type(exc).__name__
        return "ended"

    reader = asyncio.create_task(read())
    await reading.wait()
    await subscription.aclose()
    assert await asyncio.wait_for(reader, 5) in {"ended", "ConnectionError", "RuntimeError"}
    assert received == []
