"""The OMS's background work: apply broker order updates as they come, reconcile every minute.

Both loops survive errors (logged, retried after a pause): a broker or database outage delays
them, it never stops them. Reconciliation catches up whatever the update feed missed.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from catalyst.logging import get_logger
from catalyst.trading.oms import OrderManager
from catalyst.trading.reconcile import Reconciler

log = get_logger(__name__)


async def consume_order_updates(oms: OrderManager, *, pause_s: float = 1.0) -> None:
    while True:
        try:
            async for update in oms.broker.order_updates():
                try:
                    await oms.apply(update.order)
                except Exception as exc:  # one bad update never stops the feed
                    log.warning("order_update_failed", client_order_id=update.order.client_order_id, error=str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("order_update_feed_failed", error=str(exc))
        await asyncio.sleep(pause_s)


async def reconcile_periodically(reconciler: Reconciler, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            await reconciler.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("reconciliation_failed", error=str(exc))


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with suppress(asyncio.CancelledError, Exception):
            await task
