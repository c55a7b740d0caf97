from decimal import Decimal as D

import pytest

from catalyst.accounting import apply_fill, commission, fill_delta
from catalyst.domain.money import to_decimal
from catalyst.domain.orders import Intent, PositionSide, Side, classify_intent
from catalyst.domain.position import Position


def test_buys_average_the_entry_price():
    pos = apply_fill(Position("X"), Side.BUY, D(100), D("10.00"))
    pos = apply_fill(pos, Side.BUY, D(50), D("13.00"))
    assert pos == Position("X", D(150), D("11.000000"), D(0))
    assert pos.side is PositionSide.LONG


def test_partial_close_realizes_at_the_average_and_keeps_it():
    pos = Position("X", D(150), D("11"), D(0))
    pos = apply_fill(pos, Side.SELL, D(50), D("12.50"))
    assert pos.quantity == 100
    assert pos.avg_entry_price == D("11")
    assert pos.realized_pnl == D("75.00")


def test_full_close_goes_flat():
    pos = apply_fill(Position("X", D(100), D("20"), D(5)), Side.SELL, D(100), D("19"))
    assert pos.is_flat
    assert pos.avg_entry_price == 0
    assert pos.realized_pnl == D(-95)


def test_flip_opens_the_excess_at_the_fill_price():
    pos = apply_fill(Position("X", D(100), D("20"), D(0)), Side.SELL, D(130), D("22"))
    assert pos.quantity == -30
    assert pos.avg_entry_price == D("22")
    assert pos.realized_pnl == D(200)
    assert pos.side is PositionSide.SHORT


def test_short_covering_realizes_inverted_pnl():
    pos = apply_fill(Position("X"), Side.SELL, D(10), D("50"))
    pos = apply_fill(pos, Side.BUY, D(4), D("45"))
    assert pos.quantity == -6
    assert pos.realized_pnl == D(20)
    assert pos.unrealized_at(D("48")) == D(12)


@pytest.mark.parametrize(("qty", "price"), [(D(0), D(1)), (D(1), D(0)), (D(-1), D(1))])
def test_fill_must_be_positive(qty, price):
    with pytest.raises(ValueError, match="positive"):
        apply_fill(Position("X"), Side.BUY, qty, price)


def test_fill_delta_recovers_the_new_fill_price():
    assert fill_delta(D(0), None, D(40), D("10")) == (D(40), D("10.000000"))
    # 40 @ 10 then 60 more: cumulative avg 10.6 ⇒ the new 60 filled at 11
    assert fill_delta(D(40), D("10"), D(100), D("10.6")) == (D(60), D("11.000000"))
    assert fill_delta(D(100), D("10.6"), D(100), D("10.6")) is None
    assert fill_delta(D(0), None, D(10), None) is None


def test_commission_has_a_minimum():
    assert commission(D(100), D("0.005")) == D("0.5000")
    assert commission(D(100), D("0.005"), D(1)) == D(1)


def test_dec_keeps_the_written_value():
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal(D("2.5")) == D("2.5")


@pytest.mark.parametrize(("pos", "side", "qty", "expected"), [
    (D(100), Side.SELL, D(100), True),   # exactly the position: exit
    (D(100), Side.SELL, D(101), False),  # one share over: opens a short, an entry
    (D(100), Side.BUY, D(1), False),
    (D(-50), Side.BUY, D(50), True),
    (D(0), Side.SELL, D(1), False),
])
def test_the_exit_rule_on_decimal_quantities(pos, side, qty, expected):
    """The OMS applies the one exit rule to Decimal position quantities."""
    assert (classify_intent(pos, D(0), side, qty) is Intent.EXIT) is expected
