"""Reporting's Prometheus metrics: the last daily report's figures, for the trading dashboard."""

from __future__ import annotations

from prometheus_client import Gauge

DAILY_TRADES = Gauge("catalyst_reporting_daily_trades", "Positions closed on the day of the last daily report built")
DAILY_WINS = Gauge("catalyst_reporting_daily_wins", "Winning trades on the day of the last daily report built")
DAILY_NET_PNL = Gauge("catalyst_reporting_daily_net_pnl_dollars",
                      "Net realized P&L of the day of the last daily report built")
