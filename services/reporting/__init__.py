"""Reporting service (port 5009)."""
