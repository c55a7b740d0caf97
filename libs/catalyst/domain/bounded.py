"""Bounded field types: the domain's money, quantity and text limits, shared by contracts and logic.

They live in the domain (not in ``contracts``) so that the order model, the risk rules and the
service contracts all import them downward.

What comes in over HTTP must fit what the database and the rules can hold, so that bad input is
a 400 naming the field and never a 500 further down:

- prices are ``numeric(18, 6)`` columns (below 10^12, six decimals); ``Price`` is at least one
  millionth (nothing smaller survives rounding to six decimals) and at most ``MAX_PRICE``; never
  NaN or infinite;
- dollar amounts (equity, loss limits: ``DollarAmount``) stay at most ``MAX_AMOUNT``, far below
  10^12, and at least a cent (``MIN_AMOUNT``: a limit that rounds to $0.00 divides by zero);
- text that is stored (reasons, who asked) holds no NUL character, which PostgreSQL's ``text``
  refuses (``NO_NUL_PATTERN``); a constrained string (pattern or length) also refuses a lone
  surrogate (JSON may spell one), which a plain ``str`` lets through;
- timestamps must convert to UTC (``UtcConvertible``): ``9999-12-31T23:59-14:00`` does not;
  times that are stored or compared with stored ones (``Timestamp``) lie in ``MIN_TIME`` ..
  ``MAX_TIME`` (1970..2100 UTC): far enough from Python's and PostgreSQL's limits that a window
  or look-back computed from them cannot overflow either;
- free text is bounded in length and holds no NUL (``Text``, ``Label``, ``Url``, ``SourceId``).
  A symbol given by a caller (``SymbolInput``) is bounded and documents the ticker spelling the
  service normalises and checks itself (a 400 ``INVALID_SYMBOL``, not a validation error).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from catalyst.domain.market import Timeframe
from catalyst.domain.money import AS_JSON_NUMBER, AS_NUMBER_SCHEMA, coerce_number, money

MAX_PRICE = 1_000_000.0  # dollars a share: what numeric(18, 6) columns and cent arithmetic hold with room
MIN_PRICE = 0.000001  # the smallest price numeric(18, 6) keeps: anything smaller rounds to zero
MAX_AMOUNT = 100_000_000_000.0  # dollars: sums of them stay below numeric(18, 6)'s 10^12
MIN_AMOUNT = 0.01  # one cent: a money limit must not round to $0.00
MAX_APPROVAL_PRICE = MAX_PRICE * 1.05  # a market or stop order's bound: the price plus the widest tolerance (5%)
NO_NUL_PATTERN = r"^[^\x00]*$"
SYMBOL_INPUT_PATTERN = r"^\s*[A-Za-z][A-Za-z0-9.\-]{0,9}\s*$"  # what services upper-case and strip to a ticker
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2100, 1, 1, tzinfo=UTC)
EXAMPLE_SYMBOL = "AAPL"  # what the documents show (and the contract tests hold history for)
MAX_TEXT = 10_000  # characters of a stored text field (a news summary)

Price = Annotated[float, Field(ge=MIN_PRICE, le=MAX_PRICE, allow_inf_nan=False)]
"""A price in dollars a share (limit, stop, target, support level) or a distance in them (ATR)."""

OrderPrice = Annotated[
    Decimal,
    Field(ge=Decimal("0.000001"), le=Decimal(int(MAX_PRICE)), allow_inf_nan=False),
    BeforeValidator(coerce_number),
    AfterValidator(money),
    AS_JSON_NUMBER,
    AS_NUMBER_SCHEMA,
]
"""A price the books keep (an order's limit, stop, target; a fill; a position's entry): ``Price``'s
bounds as a ``Money`` decimal (six decimals), a JSON number on the wire. The bounds are checked
before rounding, so a price that would round to zero is refused, not stored as 0."""

ApprovalPrice = Annotated[
    Decimal,
    Field(gt=0, le=Decimal(int(MAX_APPROVAL_PRICE)), allow_inf_nan=False),
    BeforeValidator(coerce_number),
    AfterValidator(money),
    AS_JSON_NUMBER,
    AS_NUMBER_SCHEMA,
]
"""An approval's price bound: ``OrderPrice``'s kind with room for the widest tolerance above ``MAX_PRICE``."""

DollarAmount = Annotated[
    Decimal,
    Field(ge=Decimal(str(MIN_AMOUNT)), le=Decimal(int(MAX_AMOUNT)), allow_inf_nan=False),
    BeforeValidator(coerce_number),
    AfterValidator(money),
    AS_JSON_NUMBER,
    AS_NUMBER_SCHEMA,
]
"""A dollar amount (a cent .. ``MAX_AMOUNT``) as a ``Money`` decimal, a JSON number on the wire."""

Shares = Annotated[int, Field(gt=0, le=1_000_000)]
"""Whole shares of one order (what one order to the broker may carry)."""

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


def _in_time_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not MIN_TIME <= utc <= MAX_TIME:
        raise PydanticCustomError("time_range", "must lie between {lo} and {hi}",
                                  {"lo": MIN_TIME.isoformat(), "hi": MAX_TIME.isoformat()})
    return value


Timestamp = Annotated[AwareDatetime, AfterValidator(_in_time_range)]
"""An aware time in ``MIN_TIME`` .. ``MAX_TIME`` (a window bound, a publication time)."""

Text = Annotated[str, Field(max_length=MAX_TEXT, pattern=NO_NUL_PATTERN)]
"""Stored free text (a headline, a summary)."""

Label = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)]
"""A short name from a closed set the service checks itself (an indicator, a timeframe)."""

Url = Annotated[str, Field(max_length=2048, pattern=NO_NUL_PATTERN)]
"""A link as stored (not fetched)."""

SourceId = Annotated[str, Field(min_length=1, max_length=256, pattern=NO_NUL_PATTERN)]
"""A source's own id of a story (``news_sentiment.source_id`` holds 1 to 256 characters)."""

SymbolInput = Annotated[str, Field(min_length=1, max_length=32, examples=[EXAMPLE_SYMBOL],
                                   json_schema_extra={"pattern": SYMBOL_INPUT_PATTERN})]
"""A ticker as a caller may spell it (any case, padded); the service strips, upper-cases and checks it."""

TimeframeInput = Annotated[Label, Field(json_schema_extra={"enum": [t.value for t in Timeframe]})]
"""A timeframe by name (``1Day``); the service checks it against those it supports (400 naming them)."""

MAX_NAMES = 64  # names one request may list (indicators, patterns): more than either catalogue holds

NameList = Annotated[str, Field(max_length=1000, pattern=NO_NUL_PATTERN)]
"""One query value of names, comma-separated (``?indicators=sma_20,rsi_14``); empty means the default."""
