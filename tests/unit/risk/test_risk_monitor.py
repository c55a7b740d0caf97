"""Limit usage and alert raising: once per level, escalation, clearing."""

from __future__ import annotations

from decimal import Decimal as D

from catalyst.domain.money import Number, money
from catalyst.domain.risk import RiskParameters, Severity
from catalyst.risk.engine import BookView, PositionMark
from catalyst.risk.monitor import AlertLevel, alert_changes, alert_levels, critical_breach, limit_usages
from catalyst.risk.rules import Rule, check_daily_loss

P = RiskParameters()


def _held(symbol: str, quantity: Number, price: Number) -> PositionMark:
    """An open position bought and marked at ``price`` (signed ``quantity``)."""
    return PositionMark(symbol, symbol, money(quantity), money(price), money(price), money(price))


def _usages(pnl: Number, *positions: PositionMark):
    return limit_usages(BookView({p.symbol: p for p in positions}, money(pnl)), P)


def test_usages_cover_every_limit() -> None:
    u = {x.key: x for x in _usages(-1500.0, _held("AAPL", 150, 100.0), _held("KO", -10, 50.0))}
    assert set(u) == {"daily_loss", "max_positions", "position_size:AAPL", "position_size:KO"}
    assert u["daily_loss"].severity is Severity.WARNING
    assert u["max_positions"].value == 2
    assert u["position_size:AAPL"].severity is Severity.WARNING  # $15,000 = 75% of $20,000
    assert u["position_size:KO"].severity is Severity.OK


def test_alert_once_per_level_then_escalate_then_clear() -> None:
    active: dict[str, AlertLevel] = {}
    raised, cleared = alert_changes(_usages(-1500.0), active)
    assert [(a.usage.key, a.level) for a in raised] == [("daily_loss", "warning")]
    active = alert_levels(_usages(-1500.0))
    assert alert_changes(_usages(-1600.0), active) == ([], [])  # still warning: nothing new
    raised, _ = alert_changes(_usages(-2000.0), active)
    assert [(a.usage.key, a.level) for a in raised] == [("daily_loss", "critical")]
    assert "new entries blocked" in raised[0].message
    active = alert_levels(_usages(-2000.0))
    assert alert_changes(_usages(-1800.0), active) == ([], [])  # de-escalation raises nothing
    raised, cleared = alert_changes(_usages(-100.0), alert_levels(_usages(-1800.0)))
    assert (raised, cleared) == ([], ["daily_loss"])


def test_closed_symbol_alert_is_cleared() -> None:
    active = alert_levels(_usages(0.0, _held("AAPL", 200, 100.0)))
    assert active == {"position_size:AAPL": "critical"}
    assert alert_changes(_usages(0.0), active) == ([], ["position_size:AAPL"])


def test_message_never_rounds_up_to_the_limit() -> None:
    raised, _ = alert_changes(_usages(-1999.99), {})
    assert "99.99%" in raised[0].message


def test_only_the_daily_loss_is_a_critical_breach() -> None:
    five = [_held(s, 1, 10.0) for s in "ABCDE"]
    assert critical_breach(_usages(0.0, *five)) is None  # 5 of 5 positions blocks new symbols, not the book
    breach = critical_breach(_usages(-2000.0))
    assert breach is not None
    assert breach.rule is Rule.DAILY_LOSS


def test_the_breach_and_the_rule_agree_to_the_micro_dollar() -> None:
    short = {u.key: u for u in _usages(D("-1999.999999"))}["daily_loss"]
    assert short.severity is Severity.WARNING  # not yet the limit: no REDUCING, and the rule still passes
    assert critical_breach(_usages(D("-1999.999999"))) is None
    assert check_daily_loss(D("-1999.999999"), P).passed
    assert critical_breach(_usages(D("-2000"))) is not None
    assert not check_daily_loss(D("-2000"), P).passed
