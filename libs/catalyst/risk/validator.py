"""Pre-trade validation: the pure rules (``catalyst.risk.engine``) applied to the book, and an approval
that reserves its exposure.

Validation reads only memory (the book, the cached histories) and the approval's reservation is
its one write: a decision and its reservation are made under one lock, so concurrent validations
see each other's approvals. Market and stop orders are judged at the last complete bar's close
(``catalyst.risk.prices``); the stop rule uses the ATR and support/resistance levels computed from
stored daily bars (a caller's ``atr`` and ``support`` are advisory).
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from catalyst.clock import Clock
from catalyst.contracts.risk import RiskReason, RuleOutcome, SizingInfo, ValidateRequest, ValidateResponse
from catalyst.db import HeldConnection
from catalyst.domain.approvals import TradeApproval
from catalyst.domain.orders import Intent, OrderType, Side
from catalyst.domain.risk import RiskParameters
from catalyst.errors import InvalidInput, ServiceUnavailable
from catalyst.risk import repository
from catalyst.risk.approvals import new_nonce, sign_approval
from catalyst.risk.book import Reservation, RiskBook
from catalyst.risk.book_follower import BookFollower
from catalyst.risk.control import RiskControl
from catalyst.risk.engine import RiskDecision, TradeProposal, evaluate
from catalyst.risk.equity import BrokerEquity
from catalyst.risk.history import HistoryCache, SymbolHistory
from catalyst.risk.metrics import REJECTIONS, RESERVED, VALIDATION_LATENCY, VALIDATIONS
from catalyst.risk.parameter_store import ActiveSet, ParameterStore
from catalyst.risk.prices import MarketPrices
from catalyst.risk.rules import RuleResult
from catalyst.risk.trade_evidence import TradeEvidence


def _reason(r: RuleResult) -> RiskReason:
    return RiskReason(code=r.code, rule=r.rule.value, message=r.reason)


def _outcome(r: RuleResult) -> RuleOutcome:
    return RuleOutcome(rule=r.rule.value, code=r.code, passed=r.passed, severity=r.severity, reason=r.reason,
                       value=None if r.value is None else float(r.value),
                       limit=None if r.limit is None else float(r.limit))


class Validator:
    """``reservations``: the connection, held apart from the pool, that the approval path writes on."""

    def __init__(self, *, book: RiskBook, follower: BookFollower, store: ParameterStore, history: HistoryCache,
                 prices: MarketPrices, evidence: TradeEvidence, control: RiskControl, equity: BrokerEquity,
                 reservations: HeldConnection, approval_secret: str, clock: Clock):
        self._book = book
        self._follower = follower
        self._store = store
        self._history = history
        self._prices = prices
        self._evidence = evidence
        self._control = control
        self._equity = equity
        self._reservations = reservations
        self._secret = approval_secret
        self._clock = clock
        self._decide_lock = asyncio.Lock()  # a decision and its reservation, one at a time

    async def validate(self, request: ValidateRequest) -> ValidateResponse:
        """Approve or reject ``request``; an approval reserves, and is signed for, the sized quantity
        (a dry run is judged the same way and neither signs nor reserves)."""
        started = time.perf_counter()
        self._ensure_ready()
        await self._follower.roll_day_if_needed()
        await self._follower.mark_to_market()  # once per market minute: a decision never sees last minute's marks
        price = await self.price_of(request)
        histories = await self.histories([request.symbol, *self._book.symbols,
                                          *(r.symbol for r in self._book.reservations)])
        async with self._decide_lock:
            active = self._store.active
            decision = self.decide(request, self._equity.cap(active.parameters), histories, price)
            reserve = decision.approved and not request.dry_run  # a dry run holds no exposure
            approval = await self._reserve(request, decision) if reserve else None
            response = self._response(request, decision, active, approval, price)
        VALIDATIONS.labels("approved" if decision.approved else "rejected").inc()
        for failure in decision.failures:
            REJECTIONS.labels(failure.code).inc()
        VALIDATION_LATENCY.observe(time.perf_counter() - started)
        return response

    def _ensure_ready(self) -> None:
        if not self._follower.ready:
            raise ServiceUnavailable("risk book not loaded yet (database unavailable?): validation refused",
                                     code="RISK_NOT_READY")

    async def histories(self, symbols: list[str]) -> dict[str, SymbolHistory | None]:
        """Daily-bar histories of ``symbols`` (cached while fresh)."""
        now = self._clock.now()
        cached = self._history.cached(symbols, now)
        if cached is not None:
            return cached
        p = self._store.parameters
        return await self._history.get_many(symbols, lookback_days=p.correlation_lookback_days,
                                            atr_period=p.atr_period, now_utc=now)

    async def price_of(self, request: ValidateRequest) -> Decimal:
        """Where the order can fill: a limit at its limit, else at the market (never older than
        the last complete bar); a stop at the worse of its trigger and the market."""
        if request.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            return request.entry
        mark = (await self._prices.latest([request.symbol], self._clock.now())).get(request.symbol)
        if mark is None:
            raise InvalidInput(f"no market price for {request.symbol}: a {request.order_type.value} order cannot "
                               "be judged (send a limit order)", code="RISK_PRICE_UNKNOWN",
                               details={"symbol": request.symbol, "order_type": request.order_type.value})
        market = mark[1]
        if request.order_type is OrderType.STOP:
            assert request.trigger_price is not None
            buy = request.side is Side.BUY
            return max(request.trigger_price, market) if buy else min(request.trigger_price, market)
        return market

    async def _reserve(self, request: ValidateRequest, d: RiskDecision) -> TradeApproval:
        """Sign the approval and commit its reservation before anyone can see it."""
        intent = Intent.EXIT if d.is_exit else Intent.ENTRY
        approval = sign_approval(symbol=request.symbol, side=request.side, max_quantity=d.max_quantity,
                                 price_bound=d.price_bound, secret=self._secret, now=self._clock.now(), intent=intent,
                                 stop=None if d.is_exit else request.stop, epoch=self._control.epoch,
                                 nonce=new_nonce())
        try:
            await repository.insert_reservation(self._reservations, approval)
        except Exception as exc:
            raise ServiceUnavailable("the approval could not be reserved (database unavailable): refused",
                                     code="RISK_RESERVATION_FAILED") from exc
        self._book.reserve(Reservation(approval.nonce, approval.symbol, approval.side, intent,
                                       Decimal(approval.max_quantity), approval.price_bound, approval.stop))
        RESERVED.set(len(self._book.reservations))
        return approval

    def decide(self, request: ValidateRequest, params: RiskParameters,
               histories: dict[str, SymbolHistory | None], price: Decimal | None = None) -> RiskDecision:
        """The decision from in-memory state only (the part the latency target is about)."""
        book = self._book.view()
        entry = request.entry if price is None else price
        candidate = histories.get(request.symbol)
        correlations: dict[str, float | None] = {}
        for symbol in book.exposed_symbols:
            if symbol != request.symbol:
                correlations[symbol] = self._history.correlation(
                    request.symbol, symbol, lookback=params.correlation_lookback_days,
                    min_observations=params.min_correlation_observations)
        atr = candidate.atr if candidate is not None else None
        level = None
        if candidate is not None:
            level = candidate.support_below(entry) if request.side is Side.BUY else candidate.resistance_above(entry)
        proposal = TradeProposal(request.symbol, request.side, request.quantity, entry, request.stop,
                                 request.target, atr, level, request.order_type)
        return evaluate(proposal, params=params, state=self._control.state, book=book, stats=self._evidence.stats,
                        correlations=correlations)

    def _response(self, request: ValidateRequest, d: RiskDecision, active: ActiveSet,
                  approval: TradeApproval | None, price: Decimal) -> ValidateResponse:
        sizing = None
        if d.size is not None:
            s, st = d.size, self._evidence.stats
            sizing = SizingInfo(quantity=s.quantity, binding=s.binding, caps=s.caps, kelly_full=s.kelly_full,
                                risk_fraction=s.risk_fraction, per_share_risk=s.per_share_risk,
                                win_rate=st.win_rate, payoff=st.payoff, trades=st.trades,
                                from_prior=st.from_prior)
        sized = d.max_quantity if d.is_exit else (d.size.quantity if d.size is not None and d.approved else 0)
        return ValidateResponse(
            approved=d.approved, is_exit=d.is_exit, intent=Intent.EXIT if d.is_exit else Intent.ENTRY,
            priced_at=price, symbol=request.symbol, side=request.side,
            requested_quantity=request.quantity, sized_quantity=sized, max_quantity=d.max_quantity,
            price_bound=d.price_bound, approval=approval, reasons=[_reason(r) for r in d.failures],
            warnings=[_reason(r) for r in d.warnings], rules=[_outcome(r) for r in d.results], sizing=sizing,
            state=self._control.state, parameters_version=active.version,
        )
