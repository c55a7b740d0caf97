"""Bounded field types: the domain's money, quantity and text limits, shared by contracts and logic.

They live in the domain (not in ``contracts``) so that the order model, the risk rules and the
service contracts all import them downward.

What comes in over HTTP must fit what the database and the rules can hold, so that bad input is
a 400 naming the field and never a 500 further down:

- prices are ``numeric(18, 6)`` columns (below 10^12, six decimals) and the risk rules compare
  money in whole cents; ``Price`` is at least one millionth (nothing smaller survives rounding
  to six decimals) and at most ``MAX_PRICE``; never NaN or infinite;
- dollar amounts (equity, loss limits) stay at most ``MAX_AMOUNT``, far below 10^12 and exact in
  float cents, and at least a cent (``MIN_AMOUNT``: a limit that rounds to $0.00 divides by zero);
- text that is stored (reasons, who asked) holds no NUL character, which PostgreSQL's ``text``
  refuses (``NO_NUL_PATTERN``); pydantic already refuses lone surrogates;
- timestamps must convert to UTC (``UtcConvertible``): ``9999-12-31T23:59-14:00`` does not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

MAX_PRICE = 1_000_000.0  # dollars a share: what numeric(18, 6) columns and cent arithmetic hold with room
MIN_PRICE = 0.000001  # the smallest price numeric(18, 6) keeps: anything smaller rounds to zero
MAX_AMOUNT = 100_000_000_000.0  # dollars: sums of them stay below numeric(18, 6)'s 10^12, exact in float cents
MIN_AMOUNT = 0.01  # one cent: a money limit the rules compare in cents must not round to zero
MAX_APPROVAL_PRICE = MAX_PRICE * 1.05  # a market or stop order's bound: the price plus the widest tolerance (5%)
SYMBOL_PATTERN = r"^[A-Z][A-Z0-9.\-]{0,9}$"
NO_NUL_PATTERN = r"^[^\x00]*$"

Price = Annotated[float, Field(ge=MIN_PRICE, le=MAX_PRICE, allow_inf_nan=False)]
"""A price in dollars a share (limit, stop, target, support level) or a distance in them (ATR)."""

Shares = Annotated[int, Field(gt=0, le=1_000_000)]
"""Whole shares of one order (what one order to the broker may carry)."""

Amount = Annotated[float, Field(ge=MIN_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
"""A dollar amount the risk rules compare in cents (equity, a loss limit)."""

Actor = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)]
"""Who asks for something (recorded with it)."""

Reason = Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL_PATTERN)]
"""Why (recorded, and passed on to Trading, whose limit is 500 characters)."""


def _converts_to_utc(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be a time that converts to UTC (years 1 to 9999)") from None
    return value


UtcConvertible = Annotated[AwareDatetime, AfterValidator(_converts_to_utc)]
"""An aware timestamp whose UTC form exists (it is signed and compared in UTC)."""
