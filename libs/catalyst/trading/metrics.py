"""The OMS's Prometheus metrics, defined once (a collector registers only one time per process)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ORDERS_SUBMITTED = Counter("catalyst_trading_orders_total", "Orders by intent and outcome",
                           ["intent", "outcome"])
FILLS_RECORDED = Counter("catalyst_trading_fills_total", "Fills recorded, by side", ["side"])
SUBMIT_SECONDS = Histogram("catalyst_trading_submit_duration_seconds",
                           "Order submission: row committed to broker answer applied",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
