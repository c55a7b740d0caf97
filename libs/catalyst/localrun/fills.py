"""The run's recent fills, as the bus announces them (``catalyst:order_filled``), for the status view.

The runner listens like any subscriber, on the run's Redis namespace; a lost connection ends the
feed quietly (the view then shows what it had), it never stops the day.
"""

from __future__ import annotations

from collections import deque

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from catalyst.bus import Channel, EventBus, OrderFilled
from catalyst.clock import Clock
from catalyst.domain.calendar import NEW_YORK
from catalyst.domain.money import shares_text


class FillFeed:
    def __init__(self, redis_url: str, namespace: str, clock: Clock, keep: int = 6):
        self._redis_url = redis_url
        self._namespace = namespace
        self._clock = clock
        self.recent: deque[str] = deque(maxlen=keep)
        self.count = 0

    async def follow(self) -> None:
        client = aioredis.Redis.from_url(self._redis_url)
        try:
            async for event in EventBus(client, self._namespace).subscribe(Channel.ORDER_FILLED):
                if isinstance(event, OrderFilled):
                    self.count += 1
                    at = self._clock.now().astimezone(NEW_YORK).strftime("%H:%M")
                    self.recent.append(f"{at} {event.side} {shares_text(event.filled_quantity)} {event.symbol} "
                                       f"@ {event.fill_price:,.2f} ({event.status})")
        except RedisError:
            return
        finally:
            await client.aclose()
