"""Catalyst Trading System: the one shared library behind the nine services."""

__version__ = "6.0.0"
