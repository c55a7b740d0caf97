"""Typed pub/sub on the real Redis."""

from __future__ import annotations

import asyncio

from catalyst.bus import Channel, EventBus, NewsCatalyst, OrderFilled, RiskAlert
from tests.support.waiting import eventually


async def _first(bus: EventBus, *channels: Channel, count: int = 1):
    received = []
    async for event in bus.subscribe(*channels):
        received.append(event)
        if len(received) == count:
            return received
    return received


async def _wait_subscribed(redis_client, bus: EventBus, channel: Channel) -> None:
    name = bus.channel_name(channel)

    async def subscribers() -> int:
        return int(dict(await redis_client.pubsub_numsub(name)).get(name.encode(), 0))

    await eventually(subscribers, what=f"a subscriber on {name}")


async def test_round_trip_returns_the_typed_event(redis_client, redis_namespace):
    bus = EventBus(redis_client, redis_namespace)
    task = asyncio.create_task(_first(bus, Channel.ORDER_FILLED, Channel.RISK_ALERT, count=2))
    await _wait_subscribed(redis_client, bus, Channel.ORDER_FILLED)
    fill = OrderFilled(order_id="o1", client_order_id="c1", symbol="TSLA", side="buy", filled_quantity=10,
                       cumulative_quantity=10, fill_price=251.5, status="filled")
    alert = RiskAlert(level="warning", rule="daily_loss", message="75% of the daily loss limit", value=1500,
                      limit=2000)
    assert await bus.publish(fill) == 1
    await bus.publish(alert)
    got = await asyncio.wait_for(task, 5)
    assert got == [fill, alert]
    assert isinstance(got[0], OrderFilled)


async def test_spec_channel_names_under_the_namespace(redis_client):
    assert EventBus(redis_client).channel_name(Channel.NEWS_CATALYST) == "catalyst:news_catalyst"
    assert EventBus(redis_client, "t:").channel_name(Channel.SCAN_COMPLETE) == "t:catalyst:scan_complete"


async def test_malformed_message_is_skipped_not_fatal(redis_client, redis_namespace):
    bus = EventBus(redis_client, redis_namespace + "bad:")
    task = asyncio.create_task(_first(bus, Channel.NEWS_CATALYST))
    await _wait_subscribed(redis_client, bus, Channel.NEWS_CATALYST)
    await redis_client.publish(bus.channel_name(Channel.NEWS_CATALYST), b'{"symbol": 1}')
    good = NewsCatalyst(symbol="MRNA", catalyst_type="fda", strength=0.9, sentiment=0.8, headline="FDA approves")
    await bus.publish(good)
    assert await asyncio.wait_for(task, 5) == [good]
