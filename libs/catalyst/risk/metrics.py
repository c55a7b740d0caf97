"""The Risk Manager's Prometheus metrics, defined once (a collector registers only one time per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

VALIDATIONS = Counter("catalyst_risk_validations_total", "Pre-trade validations by outcome", ["outcome"])
VALIDATION_LATENCY = Histogram(
    "catalyst_risk_validation_duration_seconds", "In-process pre-trade validation time",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25),
)
RISK_STATE = Gauge("catalyst_risk_state", "Risk state: 0 active, 1 reducing, 2 halted")
DAILY_PNL = Gauge("catalyst_risk_daily_pnl_dollars", "Realized today plus unrealized P&L")
ALERTS = Counter("catalyst_risk_alerts_total", "Risk alerts raised by level", ["level"])
RESERVED = Gauge("catalyst_risk_reservations", "Approvals holding exposure (not filled, lapsed or revoked)")
RESYNCS = Counter("catalyst_risk_book_resyncs_total", "Book re-reads from the database by outcome", ["outcome"])
OPEN_POSITIONS = Gauge("catalyst_risk_open_positions", "Positions open in the risk book")
LIMIT_USAGE = Gauge("catalyst_risk_limit_usage_ratio",
                    "Use of each limit as a fraction of it (the largest over symbols for per-symbol caps)", ["rule"])
REJECTIONS = Counter("catalyst_risk_rejections_total", "Failed rules of rejected validations, by rule code", ["code"])
