"""Reporting (spec 2.3, service 9): performance metrics, the trade journal, the daily HTML report and mail."""
