from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from catalyst.brokers.errors import BrokerOrderNotFound, BrokerRejected
from catalyst.brokers.sim_engine import SimCosts, SimEngine, order_from_doc, order_to_doc
from catalyst.domain.market import Bar
from catalyst.domain.order_request import OrderRequest, StopLoss, TakeProfit
from catalyst.domain.orders import OrderStatus, OrderType, Side, TimeInForce

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 09:30 New York, a Monday
MIN = timedelta(minutes=1)


def bar(i, o, h, lo, c, v=10_000, symbol="AAPL"):
    return Bar(symbol=symbol, ts=T0 + i * MIN, open=o, high=h, low=lo, close=c, volume=v)


def engine(**costs):
    base = {"slippage_bps": 10, "commission_per_share": 0.01, "max_participation": 1.0}
    return SimEngine(initial_cash=100_000, costs=SimCosts(**(base | costs)))


def req(**kw):
    base = {"symbol": "AAPL", "side": Side.BUY, "quantity": 100}
    return OrderRequest(**(base | kw))


def bracket(side=Side.BUY, tp=110.0, sl=95.0, **kw):
    return req(side=side, take_profit=TakeProfit(limit_price=tp), stop_loss=StopLoss(stop_price=sl), **kw)


def test_market_order_fills_at_the_next_bar_open_plus_slippage():
    e = engine()
    o = e.submit(req(), T0 + timedelta(seconds=10))
    assert e.on_bar(bar(0, 100, 101, 99, 100)) == []  # started before the order: unknown path
    [fill] = e.on_bar(bar(1, 100, 101, 99, 100.5))
    assert fill.price == D("100.1000")
    assert fill.commission == D("1.0000")
    assert o.status is OrderStatus.FILLED
    assert e.cash == D(100_000) - D("10010") - D(1)
    assert e.positions["AAPL"].quantity == 100


def test_sell_slippage_goes_against_the_seller():
    e = engine()
    e.submit(req(side=Side.SELL), T0)
    [fill] = e.on_bar(bar(0, 50, 51, 49, 50))
    assert fill.price == D("49.9500")


def test_limit_buy_waits_for_the_price_and_never_pays_more():
    e = engine()
    o = e.submit(req(order_type=OrderType.LIMIT, limit_price=99), T0)
    assert e.on_bar(bar(0, 100, 101, 99.01, 100)) == []  # one cent above the limit: no fill
    [fill] = e.on_bar(bar(1, 99.8, 100, 99.0, 99.5))  # touches the limit exactly
    assert fill.price == D("99")
    assert o.status is OrderStatus.FILLED


def test_limit_fills_at_a_better_open():
    e = engine()
    e.submit(req(order_type=OrderType.LIMIT, limit_price=99), T0)
    [fill] = e.on_bar(bar(0, 98.5, 99, 98, 98.7))
    assert fill.price == D("98.5")


def test_stop_sell_triggers_on_the_low_and_fills_at_the_worse_of_open_and_stop():
    e = engine()
    e.submit(req(side=Side.SELL, order_type=OrderType.STOP, stop_price=95), T0)
    assert e.on_bar(bar(0, 97, 98, 95.01, 96)) == []
    [fill] = e.on_bar(bar(1, 96, 96, 94, 94.5))
    assert fill.price == D("94.9050")  # 95 less 10 bps


def test_stop_limit_fills_only_within_its_limit_then_works_as_a_limit():
    e = engine()
    o = e.submit(req(order_type=OrderType.STOP_LIMIT, stop_price=101, limit_price=101.5), T0)
    assert e.on_bar(bar(0, 102, 103, 101.8, 102.5)) == []  # triggered, but opened above the limit
    assert o.triggered
    [fill] = e.on_bar(bar(1, 102, 102.2, 101.4, 101.6))
    assert fill.price == D("101.5")


def test_partial_fills_follow_the_volume_participation():
    e = engine(max_participation=0.1)
    o = e.submit(req(quantity=120), T0)
    fills = e.on_bar(bar(0, 10, 10, 10, 10, v=500))
    assert [f.quantity for f in fills] == [50]
    assert o.status is OrderStatus.PARTIALLY_FILLED
    e.on_bar(bar(1, 11, 11, 11, 11, v=500))
    assert o.status is OrderStatus.PARTIALLY_FILLED
    [last] = e.on_bar(bar(2, 12, 12, 12, 12, v=500))
    assert last.quantity == 20
    assert o.status is OrderStatus.FILLED
    assert o.filled_quantity == 120
    # (50·10.01 + 50·11.011 + 20·12.012) / 120
    assert o.filled_avg_price == (D("500.5") + D("550.55") + D("240.24")) / 120


def test_orders_share_one_bars_volume_in_submission_order():
    e = engine(max_participation=0.5)
    first = e.submit(req(quantity=80), T0)
    second = e.submit(req(quantity=80), T0)
    e.on_bar(bar(0, 10, 10, 10, 10, v=100))
    assert (first.filled_quantity, second.filled_quantity) == (50, 0)


def test_zero_volume_bar_fills_nothing():
    e = engine()
    o = e.submit(req(), T0)
    assert e.on_bar(bar(0, 10, 10, 10, 10, v=0)) == []
    assert o.status is OrderStatus.ACCEPTED


def test_bracket_target_hit_cancels_the_stop():
    e = engine()
    parent = e.submit(bracket(), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    assert (sl.leg_role, tp.leg_role) == ("stop_loss", "take_profit")
    assert sl.held
    assert tp.held
    e.on_bar(bar(0, 100, 111, 99, 105))  # parent fills; the legs arm only from the next bar
    assert parent.status is OrderStatus.FILLED
    assert tp.status is OrderStatus.ACCEPTED
    assert not tp.held
    [fill] = e.on_bar(bar(1, 105, 110.5, 101, 110))
    assert fill.broker_order_id == tp.id
    assert fill.price == D("110")
    assert tp.status is OrderStatus.FILLED
    assert sl.status is OrderStatus.CANCELED
    assert e.positions["AAPL"].is_flat
    assert e.positions["AAPL"].realized_pnl == (D("110") - D("100.1")) * 100


def test_bracket_stop_hit_cancels_the_target():
    e = engine()
    parent = e.submit(bracket(), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    e.on_bar(bar(0, 100, 101, 99, 100))
    [fill] = e.on_bar(bar(1, 97, 98, 94, 95))
    assert fill.broker_order_id == sl.id
    assert fill.price == D("94.9050")
    assert sl.status is OrderStatus.FILLED
    assert tp.status is OrderStatus.CANCELED
    assert e.on_bar(bar(2, 111, 112, 110, 111)) == []  # the canceled target never trades


def test_bracket_when_one_bar_reaches_both_legs_the_stop_is_taken():
    e = engine()
    parent = e.submit(bracket(), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    e.on_bar(bar(0, 100, 101, 99, 100))
    [fill] = e.on_bar(bar(1, 100, 112, 93, 100))
    assert fill.broker_order_id == sl.id
    assert tp.status is OrderStatus.CANCELED


def test_short_bracket_mirrors_the_long_one():
    e = engine()
    parent = e.submit(bracket(side=Side.SELL, tp=90, sl=105), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    e.on_bar(bar(0, 100, 101, 99, 100))
    [fill] = e.on_bar(bar(1, 95, 96, 89, 90))
    assert fill.broker_order_id == tp.id
    assert fill.side is Side.BUY
    assert fill.price == D("90")
    assert sl.status is OrderStatus.CANCELED


def test_partial_leg_fill_shrinks_the_other_leg():
    e = engine(max_participation=0.5)
    parent = e.submit(bracket(), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    e.on_bar(bar(0, 100, 101, 99, 100, v=200))
    assert parent.status is OrderStatus.FILLED
    e.on_bar(bar(1, 105, 111, 104, 110, v=100))  # 50 of the target
    assert tp.status is OrderStatus.PARTIALLY_FILLED
    assert tp.filled_quantity == 50
    assert sl.quantity == 50
    e.on_bar(bar(2, 97, 98, 94, 95, v=200))
    assert sl.status is OrderStatus.FILLED
    assert sl.filled_quantity == 50
    assert tp.status is OrderStatus.CANCELED
    assert e.positions["AAPL"].is_flat


def test_bracket_parent_partially_filled_then_expired_arms_legs_for_the_filled_part():
    e = engine(max_participation=0.5)
    parent = e.submit(bracket(quantity=100), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    e.on_bar(bar(0, 100, 101, 99, 100, v=60))  # 30 filled
    next_day = Bar(symbol="AAPL", ts=T0 + timedelta(days=1), open=100, high=100, low=100, close=100, volume=10)
    e.on_bar(next_day)
    assert parent.status is OrderStatus.EXPIRED
    assert parent.filled_quantity == 30
    assert not sl.held
    assert sl.quantity == 30
    assert tp.quantity == 30


def test_unfilled_bracket_parent_canceled_cancels_its_legs():
    e = engine()
    parent = e.submit(bracket(order_type=OrderType.LIMIT, limit_price=99), T0)
    e.cancel(parent.id, T0)
    assert [e.orders[i].status for i in parent.leg_ids] == [OrderStatus.CANCELED] * 2


def test_canceling_a_partly_filled_bracket_parent_keeps_the_filled_shares_protected():
    e = engine(max_participation=0.5)
    parent = e.submit(bracket(quantity=100), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    e.on_bar(bar(0, 100, 101, 99, 100, v=60))  # 30 of 100 filled
    assert (parent.status, parent.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, 30)
    e.cancel(parent.id, T0 + timedelta(seconds=90))
    assert parent.status is OrderStatus.CANCELED
    assert (sl.status, tp.status) == (OrderStatus.ACCEPTED, OrderStatus.ACCEPTED)
    assert (sl.held, tp.held) == (False, False)
    assert (sl.quantity, tp.quantity) == (30, 30)
    [fill] = e.on_bar(bar(2, 97, 98, 94, 95, v=1_000))  # through the stop
    assert (fill.broker_order_id, fill.quantity) == (sl.id, 30)
    assert (sl.status, tp.status) == (OrderStatus.FILLED, OrderStatus.CANCELED)
    assert e.positions["AAPL"].is_flat


def test_cancel_all_leaves_no_open_order_even_for_a_partly_filled_bracket():
    e = engine(max_participation=0.5)
    parent = e.submit(bracket(quantity=100), T0)
    e.on_bar(bar(0, 100, 101, 99, 100, v=60))  # 30 filled: canceling it alone would arm the legs
    other = e.submit(req(order_type=OrderType.LIMIT, limit_price=50, client_order_id="other"), T0 + MIN)
    assert set(e.cancel_all(T0 + MIN)) == {parent.id, other.id}
    assert [o for o in e.orders.values() if o.is_open] == []
    assert e.open_symbols() == set()
    assert e.on_bar(bar(2, 97, 98, 94, 95, v=1_000)) == []


def test_canceling_one_armed_leg_cancels_its_sibling():
    e = engine()
    parent = e.submit(bracket(), T0)
    sl, tp = (e.orders[i] for i in parent.leg_ids)
    e.on_bar(bar(0, 100, 101, 99, 100))
    e.cancel(tp.id, T0 + MIN)
    assert (sl.status, tp.status, parent.status) == (OrderStatus.CANCELED, OrderStatus.CANCELED, OrderStatus.FILLED)


def test_cancel_all_cancels_each_working_order_once():
    e = engine()
    parent = e.submit(bracket(), T0)
    e.on_bar(bar(0, 100, 101, 99, 100))
    other = e.submit(req(order_type=OrderType.LIMIT, limit_price=50, client_order_id="other"), T0 + MIN)
    canceled = e.cancel_all(T0 + MIN)
    assert len(canceled) == 2
    assert other.status is OrderStatus.CANCELED
    assert all(e.orders[i].status is OrderStatus.CANCELED for i in parent.leg_ids)


def test_canceling_a_done_order_is_refused():
    e = engine()
    o = e.submit(req(), T0)
    e.on_bar(bar(0, 10, 10, 10, 10))
    with pytest.raises(BrokerRejected):
        e.cancel(o.id, T0)
    with pytest.raises(BrokerOrderNotFound):
        e.cancel("nope", T0)


def test_ioc_cancels_what_its_first_bar_did_not_fill():
    e = engine()
    o = e.submit(req(order_type=OrderType.LIMIT, limit_price=90, time_in_force=TimeInForce.IOC), T0)
    assert e.on_bar(bar(0, 100, 101, 99, 100)) == []
    assert o.status is OrderStatus.CANCELED


def test_day_order_expires_on_the_next_new_york_date():
    e = engine()
    o = e.submit(req(order_type=OrderType.LIMIT, limit_price=90), T0)
    evening = Bar(symbol="AAPL", ts=T0 + timedelta(hours=9), open=100, high=100, low=100, close=100, volume=1)
    e.on_bar(evening)  # 23:30 UTC is 18:30 Monday in New York
    assert o.status is OrderStatus.ACCEPTED
    e.on_bar(Bar(symbol="AAPL", ts=T0 + timedelta(hours=15), open=80, high=80, low=80, close=80, volume=1))
    assert o.status is OrderStatus.EXPIRED


def test_submit_is_idempotent_on_client_order_id():
    e = engine()
    r = req(client_order_id="abc-1")
    first = e.submit(r, T0)
    second = e.submit(r, T0 + MIN)
    assert first is second
    assert len(e.orders) == 1


def test_buying_power_boundary():
    e = SimEngine(initial_cash=10_000)
    e.submit(req(order_type=OrderType.LIMIT, limit_price=100, quantity=100, client_order_id="exact"), T0)
    with pytest.raises(BrokerRejected) as err:
        e.submit(req(order_type=OrderType.LIMIT, limit_price=100.01, quantity=100, client_order_id="over"), T0)
    assert err.value.broker_code == "INSUFFICIENT_BUYING_POWER"
    assert "over" not in e.by_client


def test_last_price_mode_fills_a_market_order_at_once():
    e = SimEngine(market_fill="last_price", costs=SimCosts(slippage_bps=0, commission_per_share=0))
    e.on_bar(bar(0, 10, 11, 9, 10.5))
    o = e.submit(req(quantity=10), T0 + 5 * MIN)
    assert o.status is OrderStatus.FILLED
    assert o.filled_avg_price == D("10.5")


def test_state_round_trips_through_documents():
    e = engine()
    parent = e.submit(bracket(), T0)
    e.on_bar(bar(0, 100, 101, 99, 100))
    changed, fills = e.drain()
    assert parent in changed
    assert len(fills) == 1
    restored = engine()
    restored.restore(e.account_state(), [order_to_doc(o) for o in e.orders.values()])
    assert restored.cash == e.cash
    assert restored.positions == e.positions
    assert {i: order_to_doc(o) for i, o in restored.orders.items()} == {i: order_to_doc(o) for i, o in e.orders.items()}
    assert order_from_doc(order_to_doc(parent)) == parent
    [fill] = restored.on_bar(bar(1, 105, 110.5, 101, 110))
    assert fill.price == D("110")


def test_the_same_script_gives_the_same_fills():
    def run():
        e = engine(max_participation=0.3)
        e.submit(bracket(client_order_id="b1"), T0)
        e.submit(req(client_order_id="m1", side=Side.SELL, quantity=40), T0)
        out = []
        for i, (o, h, lo, c) in enumerate([(100, 101, 99, 100), (101, 104, 100, 103), (103, 111, 102, 110)]):
            out += e.on_bar(bar(i, o, h, lo, c, v=300))
        return out, {k: order_to_doc(v) for k, v in e.orders.items()}

    assert run() == run()
