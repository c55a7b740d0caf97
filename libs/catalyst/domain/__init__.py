"""The trading vocabulary, once: money and quantity, the order, fill and position, the order
request, approvals, the calendar, bars, news and risk terms. Imports nothing else of Catalyst."""
