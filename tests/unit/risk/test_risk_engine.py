"""The composed decision: every reason at once, exits never blocked, sizing into the approval."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal as D

from catalyst.domain.money import Number, money, optional_money
from catalyst.domain.orders import Intent, OrderType, Side, classify_intent
from catalyst.domain.risk import RiskParameters, RiskState
from catalyst.risk.engine import BookView, PositionMark, TradeProposal, evaluate, price_bound
from catalyst.risk.rules import Rule
from catalyst.risk.sizing import TradeStats

P = RiskParameters()


def _held(symbol: str, quantity: Number, price: Number) -> PositionMark:
    """An open position bought and marked at ``price`` (signed ``quantity``)."""
    return PositionMark(symbol, symbol, money(quantity), money(price), money(price), money(price))


def _p(symbol: str, side: Side, quantity: int, entry: Number, stop: Number | None = None,
       target: Number | None = None, *, atr: float | None = None,
       order_type: OrderType = OrderType.LIMIT) -> TradeProposal:
    """A proposal with its prices as written (``100.0`` is $100)."""
    return TradeProposal(symbol, side, quantity, money(entry), optional_money(stop), optional_money(target), atr,
                         None, order_type)


STATS = TradeStats(win_rate=0.5, payoff=2.0, trades=50, from_prior=False)
GOOD = _p("AAPL", Side.BUY, 100, entry=100.0, stop=98.0, target=104.0, atr=1.5)


def _book(*positions: PositionMark, pnl: Number = 0) -> BookView:
    return BookView({p.symbol: p for p in positions}, money(pnl))


def _run(proposal: TradeProposal = GOOD, *, state: RiskState = RiskState.ACTIVE, book: BookView | None = None,
         corr: Mapping[str, float | None] | None = None, params: RiskParameters = P):
    return evaluate(proposal, params=params, state=state, book=book or _book(), stats=STATS,
                    correlations=corr or {})


def test_clean_entry_is_approved_with_its_size() -> None:
    d = _run()
    assert d.approved
    assert not d.is_exit
    assert not d.failures
    assert d.max_quantity == 100  # requested binds (cap 200, Kelly 6250, headroom 1000)
    assert d.price_bound == D("100")  # a limit order's bound is its limit
    assert {r.rule for r in d.results} >= {Rule.DAILY_LOSS, Rule.POSITION_SIZE, Rule.MAX_POSITIONS,
                                          Rule.CORRELATION, Rule.STOP_LOSS, Rule.RISK_REWARD, Rule.SIZING}


def test_sized_below_the_request_approves_the_smaller_quantity() -> None:
    d = _run(book=_book(pnl=-1_900.0))  # $100 of loss headroom, $2 a share
    assert d.approved
    assert d.max_quantity == 50
    assert d.size is not None
    assert d.size.binding == "daily_loss_headroom"


def test_every_failing_rule_is_reported() -> None:
    bad = _p("AAPL", Side.BUY, 500, entry=100.0, stop=90.0, target=101.0, atr=1.0)
    d = _run(bad, state=RiskState.HALTED, book=_book(pnl=-2_000.0))
    assert not d.approved
    assert d.max_quantity == 0
    failed = {r.rule for r in d.failures}
    assert failed == {Rule.EMERGENCY_HALT, Rule.DAILY_LOSS, Rule.POSITION_SIZE, Rule.STOP_LOSS,
                      Rule.RISK_REWARD}


def test_one_share_over_the_position_limit_is_rejected() -> None:
    assert _run(_p("AAPL", Side.BUY, 200, 100.0, 98.0, 104.0, atr=1.5)).approved
    d = _run(_p("AAPL", Side.BUY, 201, 100.0, 98.0, 104.0, atr=1.5))
    assert [r.rule for r in d.failures] == [Rule.POSITION_SIZE]


def test_adding_to_a_held_symbol_counts_its_notional_but_not_a_new_position() -> None:
    held = [_held(s, 10, 50.0) for s in ("A", "B", "C", "D")] + [_held("AAPL", 150, 100.0)]
    book = _book(*held)
    corr = {s: 0.0 for s in ("A", "B", "C", "D")}
    assert _run(_p("AAPL", Side.BUY, 50, 100.0, 98.0, 104.0, atr=1.5), book=book, corr=corr).approved
    d = _run(_p("AAPL", Side.BUY, 51, 100.0, 98.0, 104.0, atr=1.5), book=book, corr=corr)
    assert [r.rule for r in d.failures] == [Rule.POSITION_SIZE]
    d = _run(_p("MSFT", Side.BUY, 10, 100.0, 98.0, 104.0, atr=1.5), book=book, corr=corr)
    assert [r.rule for r in d.failures] == [Rule.MAX_POSITIONS]


def test_exit_is_approved_while_halted() -> None:
    book = _book(_held("AAPL", 100, 95.0), pnl=-5_000.0)
    d = _run(_p("AAPL", Side.SELL, 100, entry=95.0, order_type=OrderType.MARKET), state=RiskState.HALTED,
             book=book)
    assert d.approved
    assert d.is_exit
    assert d.max_quantity == 100
    assert d.price_bound == D("94.525")  # a market order: the market less the tolerance


def test_exit_of_a_short_is_approved_while_reducing() -> None:
    book = _book(_held("TSLA", -40, 200.0))
    d = _run(_p("TSLA", Side.BUY, 40, entry=200.0), state=RiskState.REDUCING, book=book)
    assert d.approved
    assert d.is_exit


def test_one_share_more_than_held_is_a_reversal_and_blocked() -> None:
    book = _book(_held("AAPL", 100, 95.0))
    d = _run(_p("AAPL", Side.SELL, 101, entry=95.0, stop=97.0, target=90.0, atr=1.0), book=book)
    assert not d.approved
    assert Rule.REVERSAL in {r.rule for r in d.failures}


def test_halted_blocks_entries() -> None:
    d = _run(state=RiskState.HALTED)
    assert not d.approved
    assert [r.rule for r in d.failures] == [Rule.EMERGENCY_HALT]


def test_reducing_blocks_entries() -> None:
    d = _run(state=RiskState.REDUCING)
    assert [r.rule for r in d.failures] == [Rule.REDUCING]


def test_correlation_is_direction_adjusted() -> None:
    book = _book(_held("MSFT", 50, 100.0))
    assert not _run(book=book, corr={"MSFT": 0.9}).approved  # long + long, correlated
    short_book = _book(_held("MSFT", -50, 100.0))
    assert _run(book=short_book, corr={"MSFT": 0.9}).approved  # long vs short: a hedge
    assert not _run(book=short_book, corr={"MSFT": -0.9}).approved  # long vs short of a mirror


def test_missing_correlation_counts_as_unknown() -> None:
    book = _book(_held("MSFT", 50, 100.0))
    d = _run(book=book, corr={})
    assert d.approved
    assert [r.rule for r in d.warnings] == [Rule.CORRELATION]
    assert not _run(book=book, corr={}, params=RiskParameters(unknown_correlation="reject")).approved


def test_no_edge_rejects_through_sizing() -> None:
    d = evaluate(GOOD, params=P, state=RiskState.ACTIVE, book=_book(),
                 stats=TradeStats(0.3, 1.0, 50, False), correlations={})
    assert not d.approved
    assert [r.rule for r in d.failures] == [Rule.SIZING]


def test_invalid_stop_skips_sizing() -> None:
    d = _run(_p("AAPL", Side.BUY, 10, entry=100.0, stop=101.0, target=104.0, atr=1.5))
    assert d.size is None
    assert Rule.SIZING not in {r.rule for r in d.results}


def test_short_entry() -> None:
    d = _run(_p("AAPL", Side.SELL, 100, entry=100.0, stop=102.0, target=96.0, atr=1.5))
    assert d.approved
    assert d.price_bound == D("100")
    market = _run(_p("AAPL", Side.SELL, 100, entry=100.0, stop=102.0, target=96.0, atr=1.5,
                                order_type=OrderType.MARKET))
    assert market.price_bound == D("99.5")


def test_helpers() -> None:
    assert classify_intent(10.0, 0.0, Side.SELL, 10.0) is Intent.EXIT
    assert classify_intent(10.0, 0.0, Side.SELL, 11.0) is Intent.ENTRY
    assert classify_intent(10.0, 0.0, Side.BUY, 1.0) is Intent.ENTRY
    assert classify_intent(10.0, 4.0, Side.SELL, 7.0) is Intent.ENTRY  # 4 already being exited
    assert price_bound(Side.BUY, D("10"), 0.01) == D("10.1")
    assert price_bound(Side.BUY, D("10"), 0.01, OrderType.LIMIT) == D("10")
    assert price_bound(Side.SELL, D("33.333333"), 0.005) == D("33.166666")  # 33.166666335 at six decimals
