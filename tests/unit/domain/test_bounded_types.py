"""The shared bounded contract types: what a service gets for free by using them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from catalyst.domain.bounded import MAX_TEXT, MAX_TIME, MIN_TIME, DollarAmount, Label, OrderPrice, Text, Timestamp
from catalyst.domain.money import Money, Quantity, WireMoney, price_text

TIMESTAMP = TypeAdapter(Timestamp)


@pytest.mark.parametrize("value", ["1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "2025-03-03T10:00:00-05:00"])
def test_timestamp_takes_times_within_the_range(value: str) -> None:
    assert MIN_TIME <= TIMESTAMP.validate_python(value).astimezone(UTC) <= MAX_TIME


@pytest.mark.parametrize("value", [
    "1969-12-31T23:59:59.999999Z", "2100-01-01T00:00:00.000001Z",
    "0001-01-01T00:00:00+14:00",  # no UTC form at all
    "9999-12-31T23:59:59-14:00",
])
def test_timestamp_refuses_times_outside_the_range(value: str) -> None:
    with pytest.raises(ValidationError) as err:
        TIMESTAMP.validate_python(value)
    assert err.value.errors()[0]["type"] == "time_range"


def test_timestamp_refuses_naive_times() -> None:
    with pytest.raises(ValidationError):
        TIMESTAMP.validate_python(datetime(2025, 1, 1))


@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b", "x" * (MAX_TEXT + 1)])
def test_text_refuses_what_postgres_text_cannot_hold(value: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Text).validate_python(value)


def test_label_is_short_and_not_empty() -> None:
    assert TypeAdapter(Label).validate_python("sma_20") == "sma_20"
    for bad in ("", "x" * 65, "sma\x00"):
        with pytest.raises(ValidationError):
            TypeAdapter(Label).validate_python(bad)


ORDER_PRICE = TypeAdapter(OrderPrice)


@pytest.mark.parametrize(("given", "kept"), [
    (0.1, Decimal("0.1")), ("187.25", Decimal("187.25")), (12, Decimal(12)),
    ("1.0000004", Decimal("1")), (0.000001, Decimal("0.000001")), (1_000_000, Decimal(1_000_000)),
])
def test_order_price_is_a_six_decimal_money(given: object, kept: Decimal) -> None:
    value = ORDER_PRICE.validate_python(given)
    assert isinstance(value, Decimal)
    assert value == kept
    assert value.as_tuple().exponent == -6


@pytest.mark.parametrize("given", [0, -1, 0.0000004, 1_000_000.01, "nan", float("inf"), "abc", True])
def test_order_price_refuses_what_the_books_cannot_hold(given: object) -> None:
    with pytest.raises(ValidationError):
        ORDER_PRICE.validate_python(given)


@pytest.mark.parametrize("kind", [OrderPrice, DollarAmount, WireMoney])
def test_money_is_a_json_number_on_the_wire(kind: Any) -> None:
    adapter: TypeAdapter[Decimal] = TypeAdapter(kind)
    assert adapter.dump_json(adapter.validate_python("2000.5")) == b"2000.5"
    assert adapter.validate_json(b"0.1") == Decimal("0.1")
    assert adapter.json_schema(mode="serialization")["type"] == "number"
    assert adapter.json_schema(mode="validation")["type"] == "number"  # what to send (OpenAPI), not "or string"


def test_an_order_price_is_documented_as_a_bounded_number() -> None:
    assert ORDER_PRICE.json_schema() == {"type": "number", "minimum": 1e-06, "maximum": 1_000_000}


def test_dollar_amount_is_at_least_a_cent() -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(DollarAmount).validate_python("0.009")


@pytest.mark.parametrize("kind", [OrderPrice, DollarAmount])
def test_a_request_documents_a_bounded_decimal_as_a_number(kind: Any) -> None:
    adapter: TypeAdapter[Decimal] = TypeAdapter(kind)
    schema = adapter.json_schema(mode="validation")
    assert schema["type"] == "number"
    assert schema["minimum"] > 0
    assert "anyOf" not in schema  # pydantic would list a string too: the wire's money is a number


@pytest.mark.parametrize("kind", [WireMoney, Money, Quantity])
def test_a_number_too_large_for_six_decimals_is_a_validation_error(kind: Any) -> None:
    """``Decimal`` raises ``InvalidOperation`` (no ``ValueError``) past 28 digits: a caller's 1e25 must still
    be a validation error (a 400, a skipped bus event), never an exception that escapes."""
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(1e25)


@pytest.mark.parametrize(("price", "text"), [
    (Decimal("98.500000"), "98.50"), (Decimal("1234.5"), "1,234.50"), (Decimal("0.003500"), "0.0035"),
])
def test_a_price_reads_as_a_trader_writes_it_not_at_six_decimals(price: Decimal, text: str) -> None:
    assert price_text(price) == text
