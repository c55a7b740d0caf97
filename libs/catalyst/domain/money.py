"""Money and quantity: one type each, ``Decimal`` at six decimals, as the database stores them.

Every price, amount, P&L and share count the books keep is a ``Decimal``: prices and quantities
are ``numeric(18, 6)`` columns, P&L ``numeric(20, 6)``, so six decimals is what survives a write.
``Money`` and ``Quantity`` are ``Decimal`` annotated with that rule: a pydantic field of either
type converts what it is given (a float as written, ``0.1`` → ``Decimal('0.1')``, an int, a
string) and rounds it to six decimals, refusing NaN and infinity; a dataclass field of either
type is a plain ``Decimal`` to the type checker and at run time (built with ``money`` /
``quantity``). They are aliases, not ``NewType``s, because ``Decimal`` arithmetic returns
``Decimal``: a NewType would need re-wrapping after every sum and says nothing more.

On the wire money stays a JSON number: ``WireMoney`` (and the bounded ``OrderPrice`` /
``DollarAmount`` of ``catalyst.domain.bounded``) is a ``Money`` in Python that serializes to a
number in JSON, so the contracts carry decimals inside and numbers outside. Floats remain only
for market data and its statistics (bars, indicators, patterns, correlation, volatility).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, TypeAlias

from pydantic import AfterValidator, BeforeValidator, GetJsonSchemaHandler, PlainSerializer
from pydantic_core import CoreSchema

QUANTUM = Decimal("0.000001")  # the scale of numeric(18, 6) and numeric(20, 6)
ZERO = Decimal(0)

Number: TypeAlias = Decimal | float | int | str


def to_decimal(value: Number) -> Decimal:
    """The exact decimal of ``value`` as written (a float through its shortest repr); not rounded.

    Raises ``ValueError`` for NaN, infinity or text that is not a number.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def quantize(value: Decimal) -> Decimal:
    """``value`` rounded to six decimals (``Decimal``'s half-even rounding).

    Raises ``ValueError`` (a validation error in a model) for a value too large to keep six decimals
    in the context's 28 digits, where ``Decimal`` itself raises ``InvalidOperation``."""
    try:
        return value.quantize(QUANTUM)
    except ArithmeticError:
        raise ValueError(f"too large for six decimals: {value}") from None


def money(value: Number) -> Decimal:
    """A price, amount or P&L at the books' scale."""
    return quantize(to_decimal(value))


def quantity(value: Number) -> Decimal:
    """A share count at the books' scale (whole shares for Catalyst's own orders)."""
    return quantize(to_decimal(value))


def optional_money(value: Number | None) -> Decimal | None:
    return None if value is None else money(value)


def shares_text(quantity: Decimal) -> str:
    """A share count as people write it (``100``, ``12.5``), not at the books' six decimals."""
    return f"{quantity.normalize():f}"


def price_text(price: Decimal) -> str:
    """A price as a trader reads it: cents (``98.50``), or every decimal a sub-cent price has (``0.0035``)."""
    cents = price.quantize(Decimal("0.01"))
    return f"{cents:,.2f}" if cents == price else f"{price.normalize():f}"


def as_float(value: Decimal | None) -> float | None:
    """A decimal as a float, for a library that takes floats (alpaca-py's request models); None stays None."""
    return None if value is None else float(value)


def coerce_number(value: object) -> object:
    """Floats through their repr (``0.1`` stays ``0.1``); other input goes to pydantic's parser."""
    return to_decimal(value) if isinstance(value, float) else value


Money = Annotated[Decimal, BeforeValidator(coerce_number), AfterValidator(money)]
"""Dollars (a price, an amount, a P&L), six decimals."""

Quantity = Annotated[Decimal, BeforeValidator(coerce_number), AfterValidator(quantity)]
"""Shares, six decimals (a broker may report fractional quantities; Catalyst orders whole shares)."""

AS_JSON_NUMBER = PlainSerializer(float, return_type=float, when_used="json")
"""Serializes a decimal as a JSON number (the wire's money), keeping it a ``Decimal`` in Python."""


@dataclass(frozen=True, slots=True)
class DocumentedAsNumber:
    """A decimal field's input schema as a JSON number (its bounds kept): pydantic documents a
    ``Decimal`` as "number or string", but the wire's money is a number (a string is still parsed)."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        documented: dict[str, Any] = handler(schema)
        numbers = [s for s in documented.get("anyOf", ()) if s.get("type") == "number"]
        if handler.mode != "validation" or len(numbers) != 1:
            return documented
        return {**{k: v for k, v in documented.items() if k != "anyOf"}, **numbers[0]}


AS_NUMBER_SCHEMA = DocumentedAsNumber()

WireMoney = Annotated[Money, AS_JSON_NUMBER, AS_NUMBER_SCHEMA]
"""A ``Money`` that is a JSON number on the wire (a P&L, an amount in a response)."""

WireQuantity = Annotated[Quantity, AS_JSON_NUMBER, AS_NUMBER_SCHEMA]
"""A ``Quantity`` that is a JSON number on the wire (shares held, in a response)."""
