"""The Risk Manager's status: state, daily P&L, exposure, every limit's usage and the active alerts.

Served by ``GET /status`` and cached in Redis (HOT tier) for readers that do not call the service.
"""

from __future__ import annotations

from decimal import Decimal

from catalyst.cache import Cache, CacheTier
from catalyst.clock import Clock
from catalyst.contracts.risk import LimitUsage, PositionExposure, RiskStatus
from catalyst.domain.risk import CENT
from catalyst.logging import get_logger
from catalyst.risk.book import RiskBook
from catalyst.risk.book_follower import BookFollower
from catalyst.risk.control import RiskControl
from catalyst.risk.equity import BrokerEquity
from catalyst.risk.limit_alerts import LimitAlerts
from catalyst.risk.monitor import limit_usages
from catalyst.risk.parameter_store import ParameterStore

log = get_logger(__name__)

STATUS_CACHE_NS = "risk"
STATUS_CACHE_KEY = "status"


def _cents(amount: Decimal) -> Decimal:
    """A reported amount, to the cent (the rules and alerts judge the exact value)."""
    return amount.quantize(CENT)


class StatusReport:
    def __init__(self, *, book: RiskBook, follower: BookFollower, store: ParameterStore, control: RiskControl,
                 alerts: LimitAlerts, equity: BrokerEquity, cache: Cache, clock: Clock):
        self._book = book
        self._follower = follower
        self._store = store
        self._control = control
        self._alerts = alerts
        self._equity = equity
        self._cache = cache
        self._clock = clock

    def status(self) -> RiskStatus:
        params = self._equity.cap(self._store.parameters)
        book = self._book
        view = book.view()
        usages = limit_usages(view, params)
        return RiskStatus(
            ready=self._follower.ready, state=self._control.state, trading_day=book.day,
            daily_pnl=_cents(view.daily_pnl), realized_pnl_today=_cents(book.realized_today),
            unrealized_pnl=_cents(book.unrealized), daily_loss=_cents(view.daily_loss),
            committed_loss=_cents(book.committed_loss), gross_exposure=_cents(book.gross_exposure),
            net_exposure=_cents(book.net_exposure), open_positions=len(view.positions),
            reservations=len(book.reservations),
            positions=[PositionExposure(symbol=p.symbol, quantity=p.quantity, market_price=p.market_price,
                                        notional=_cents(p.notional), unrealized_pnl=_cents(p.unrealized),
                                        unrealized_pnl_today=_cents(p.unrealized_today), stop=p.stop)
                       for p in sorted(book.positions, key=lambda p: p.symbol)],
            limits=[LimitUsage(name=u.key, value=u.value, limit=u.limit, usage_pct=round(100 * u.ratio, 2),
                               severity=u.severity) for u in usages],
            active_alerts=self._alerts.active,
            halt_reason=self._control.halt_reason, parameters_version=self._store.active.version,
            epoch=self._control.epoch, account_equity=params.account_equity, broker_equity=self._equity.value,
            updated_at=self._clock.now(),
        )

    async def publish(self) -> None:
        """Cache the current status in Redis (HOT tier) for readers that do not call the service."""
        try:
            await self._cache.set(STATUS_CACHE_NS, STATUS_CACHE_KEY, self.status(), CacheTier.HOT)
        except Exception as exc:
            log.warning("risk_status_not_cached", error=str(exc))
