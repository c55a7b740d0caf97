"""``EventBus.open_subscription``: subscribed on return, events read later, closed cleanly."""

from __future__ import annotations

import asyncio
import uuid

from catalyst.bus import Channel, EventBus, RiskAlert, ScanComplete


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
    for _ in range(100):
        if await _subscribers(redis_client, bus, Channel.RISK_ALERT) == 0:
            break
        await asyncio.sleep(0.01)
    assert await _subscribers(redis_client, bus, Channel.RISK_ALERT) == 0


async def test_reading_ends_when_the_subscription_is_closed(redis_client, redis_namespace):
    bus = EventBus(redis_client, f"{redis_namespace}{uuid.uuid4().hex[:6]}:")
    subscription = await bus.open_subscription(Channel.ORDER_FILLED)
    received = []

    async def read() -> str:
        try:
            async for event in subscription.events():
                received.append(event)
        except Exception as exc:  # a closed connection may surface as an error instead of an end
            return type(exc).__name__
        return "ended"

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.05)
    await subscription.aclose()
    assert await asyncio.wait_for(reader, 5) in {"ended", "ConnectionError", "RuntimeError"}
    assert received == []
