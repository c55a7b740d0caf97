"""The OMS's background work: apply broker order updates as they come, reconcile every minute.

Both loops survive errors (logged, retried after a pause; ``catalyst.tasks.repeat``): a broker or
database outage delays them, it never stops them. Reconciliation catches up whatever the update
feed missed.
"""

from __future__ import annotations

from catalyst.brokers.base import Broker
from catalyst.logging import get_logger
from catalyst.tasks import repeat
from catalyst.trading.order_sync import OrderSync
from catalyst.trading.reconcile import Reconciler

log = get_logger(__name__)


async def consume_order_updates(broker: Broker, sync: OrderSync, *, pause_s: float = 1.0) -> None:
    """Follow the broker's update feed until cancelled; a lost feed is picked up again ``pause_s`` later."""
    await repeat(lambda: _apply_updates(broker, sync), pause_s=pause_s, failure_event="order_update_feed_failed")


async def _apply_updates(broker: Broker, sync: OrderSync) -> None:
    async for update in broker.order_updates():
        try:
            await sync.apply(update.order)
        except Exception as exc:  # one bad update never stops the feed
            log.warning("order_update_failed", client_order_id=update.order.client_order_id, error=str(exc))


async def reconcile_periodically(reconciler: Reconciler, interval_s: float) -> None:
    """Reconcile every ``interval_s`` until cancelled (start-up has just done it once)."""
    await repeat(reconciler.run, pause_s=interval_s, failure_event="reconciliation_failed", pause_first=True)
