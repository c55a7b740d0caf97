"""Typed Redis pub/sub for the spec's five channels (section 3.4).

Each channel carries exactly one event model; publishing an event picks its channel, and a
subscriber gets the model back, validated. Channels are ``catalyst:<name>``, prefixed by the
settings' ``redis_namespace`` (empty in production).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Literal

import redis.asyncio as aioredis
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from catalyst.domain.fill import Fill
from catalyst.domain.money import WireMoney, WireQuantity
from catalyst.logging import get_logger
from catalyst.metrics import BUS_EVENTS

log = get_logger(__name__)


class Channel(StrEnum):
    SCAN_COMPLETE = "catalyst:scan_complete"
    POSITION_UPDATE = "catalyst:position_update"
    RISK_ALERT = "catalyst:risk_alert"
    ORDER_FILLED = "catalyst:order_filled"
    NEWS_CATALYST = "catalyst:news_catalyst"


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    channel: ClassVar[Channel]
    timestamp: AwareDatetime = Field(default_factory=_now)


class ScanComplete(Event):
    channel: ClassVar[Channel] = Channel.SCAN_COMPLETE
    cycle_id: str
    scan_id: str | None = None
    candidates_count: int = Field(ge=0)
    symbols: list[str] = Field(default_factory=list)


class PositionUpdate(Event):
    """The wire event of a position record's change (JSON numbers), built from the OMS's
    ``PositionRow`` by ``catalyst.trading.order_sync.position_update``."""

    channel: ClassVar[Channel] = Channel.POSITION_UPDATE
    position_id: str
    symbol: str
    side: Literal["long", "short"]
    quantity: WireQuantity = Field(ge=0, description="0 when the position is closed")
    avg_entry_price: WireMoney
    market_price: WireMoney
    unrealized_pnl: WireMoney
    realized_pnl: WireMoney = Decimal(0)
    status: Literal["open", "closed"]


class RiskAlert(Event):
    channel: ClassVar[Channel] = Channel.RISK_ALERT
    level: Literal["warning", "critical", "emergency"]
    rule: str
    message: str
    value: float | None = None
    limit: float | None = None


class OrderFilled(Event):
    """The wire event announcing one recorded ``Fill`` (decimals, JSON numbers on the wire; ``order_id`` is the
    OMS's)."""

    channel: ClassVar[Channel] = Channel.ORDER_FILLED
    order_id: str
    client_order_id: str
    symbol: str
    side: Literal["buy", "sell"]
    filled_quantity: WireQuantity = Field(gt=0, description="Quantity of this fill")
    cumulative_quantity: WireQuantity = Field(gt=0)
    fill_price: WireMoney = Field(gt=0)
    status: Literal["partially_filled", "filled"]

    @classmethod
    def of(cls, fill: Fill, *, order_id: str, cumulative: Decimal, done: bool) -> OrderFilled:
        return cls(order_id=order_id, client_order_id=fill.client_order_id, symbol=fill.symbol,
                   side=fill.side.value, filled_quantity=fill.quantity,
                   cumulative_quantity=cumulative, fill_price=fill.price,
                   status="filled" if done else "partially_filled")


class NewsCatalyst(Event):
    channel: ClassVar[Channel] = Channel.NEWS_CATALYST
    symbol: str
    catalyst_type: str
    strength: float = Field(ge=0, le=1)
    sentiment: float = Field(ge=-1, le=1)
    headline: str
    sources: list[str] = Field(default_factory=list)


EVENT_TYPES: dict[Channel, type[Event]] = {
    t.channel: t for t in (ScanComplete, PositionUpdate, RiskAlert, OrderFilled, NewsCatalyst)
}


class EventBus:
    """Publish and subscribe to typed events over one Redis connection pool."""

    def __init__(self, redis: aioredis.Redis, namespace: str = ""):
        self._redis = redis
        self._namespace = namespace

    def channel_name(self, channel: Channel) -> str:
        return f"{self._namespace}{channel.value}"

    async def publish(self, event: Event) -> int:
        """Publish ``event`` on its channel; returns how many subscribers got it."""
        receivers: int = await self._redis.publish(self.channel_name(event.channel), event.model_dump_json())
        BUS_EVENTS.labels(event.channel.value, "out").inc()
        return receivers

    async def open_subscription(self, *channels: Channel) -> Subscription:
        """Subscribe to ``channels`` now: every event published from here on reaches the subscription."""
        by_name = {self.channel_name(c): c for c in channels}
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(*by_name)
        return Subscription(pubsub, by_name)

    async def subscribe(self, *channels: Channel) -> AsyncIterator[Event]:
        """Yield events from ``channels`` until the consumer stops iterating.

        Malformed messages are logged and skipped: one bad publisher never stops a subscriber.
        """
        subscription = await self.open_subscription(*channels)
        try:
            async for event in subscription.events():
                yield event
        finally:
            await subscription.aclose()


class BackgroundPublisher:
    """Events published in the order they were posted, by one task, off the poster's path.

    ``post`` queues and returns at once (a request answers without waiting on Redis); one task
    publishes the queue, started when events arrive and ending when it is empty. A publish that
    fails is logged and the next goes on, as a failed direct publish would (the database holds the
    truth; subscribers reload it on start-up). ``flush`` waits until everything posted so far is
    out: a service awaits it at shutdown, before its Redis client closes, so none is dropped.
    """

    def __init__(self, bus: EventBus):
        self._bus = bus
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def post(self, *events: Event) -> None:
        for event in events:
            self._queue.put_nowait(event)
        if events and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._publish_queued(), name="bus-publisher")

    async def _publish_queued(self) -> None:
        while not self._queue.empty():
            event = self._queue.get_nowait()
            try:
                await self._bus.publish(event)
            except Exception as exc:  # logged; the next event still goes out
                log.warning("bus_publish_failed", channel=event.channel.value, error=str(exc))

    async def flush(self) -> None:
        """Return once every event posted before (or while) waiting has been published or logged."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)


class Subscription:
    """An open subscription to some channels (one Redis connection), read with ``events()``."""

    def __init__(self, pubsub: PubSub, by_name: dict[str, Channel]):
        self._pubsub = pubsub
        self._by_name = by_name

    async def events(self) -> AsyncIterator[Event]:
        """Validated events as they arrive; ends when the subscription is closed. Malformed
        messages are logged and skipped; a lost connection raises (``redis.ConnectionError``)."""
        async for message in self._pubsub.listen():
            if message.get("type") != "message":
                continue
            name = _text(message["channel"])
            channel = self._by_name.get(name)
            if channel is None:
                continue
            try:
                event = EVENT_TYPES[channel].model_validate_json(message["data"])
            except ValidationError as exc:
                log.warning("bus_event_invalid", channel=name, error=str(exc))
                continue
            BUS_EVENTS.labels(channel.value, "in").inc()
            yield event

    async def aclose(self, limit_s: float = 2.0) -> None:
        """Unsubscribe and give the connection back, each step bounded by ``limit_s``: a
        connection in a bad state (closed under a blocked reader) must never hang a shutdown."""
        try:
            async with asyncio.timeout(limit_s):
                await self._pubsub.unsubscribe()
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("bus_unsubscribe_failed", error=str(exc) or exc.__class__.__name__)
        finally:
            try:
                async with asyncio.timeout(limit_s):
                    await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            except (TimeoutError, RedisError, OSError) as exc:
                log.warning("bus_close_failed", error=str(exc) or exc.__class__.__name__)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
