"""How a report writes an amount (pure): one spelling for the page, its charts and the mail."""

from __future__ import annotations


def amount_text(value: float | None, unit: str = "$") -> str:
    """``-$1,234.50``; ``n/a`` for an amount that is undefined (no trade, no loss, no mark)."""
    return "n/a" if value is None else f"{'-' if value < 0 else ''}{unit}{abs(value):,.2f}"
