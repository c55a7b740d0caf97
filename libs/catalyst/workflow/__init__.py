"""The Workflow service's logic: the daily trading cycle, its phases on the market clock, and the
coordination of a trade request across the Pattern, Technical, Risk and Trading services."""
