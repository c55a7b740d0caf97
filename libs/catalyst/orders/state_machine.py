"""The order life cycle as one transition table (nautilus_trader's ``_ORDER_STATE_TABLE`` idea).

``new → accepted → partially_filled → filled | canceled | rejected | expired``. A broker may report
a later state directly (a market order answered ``filled``), so every forward jump is listed; no
terminal state has a way out. Every status change in the OMS goes through ``transition`` so an
illegal change (a filled order "accepted" again, a canceled one filled) is refused in one place.
"""

from __future__ import annotations

from types import MappingProxyType

from catalyst.domain.orders import OrderStatus
from catalyst.errors import Conflict

_S = OrderStatus

ORDER_TRANSITIONS: MappingProxyType[OrderStatus, frozenset[OrderStatus]] = MappingProxyType({
    _S.NEW: frozenset({_S.ACCEPTED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.REJECTED, _S.EXPIRED}),
    _S.ACCEPTED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.REJECTED, _S.EXPIRED}),
    # partially_filled → partially_filled: another partial fill.
    _S.PARTIALLY_FILLED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED}),
    _S.FILLED: frozenset(),
    _S.CANCELED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset(),
})


class IllegalTransition(Conflict):
    """A status change the life cycle does not allow (409)."""

    default_code = "ILLEGAL_ORDER_TRANSITION"


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    return new in ORDER_TRANSITIONS[current]


def transition(current: OrderStatus, new: OrderStatus) -> OrderStatus:
    """``new`` when the table allows ``current → new``; raises ``IllegalTransition`` otherwise."""
    if not can_transition(current, new):
        raise IllegalTransition(
            f"order cannot go from {current.value} to {new.value}",
            details={"from": current.value, "to": new.value},
        )
    return new


def advance(current: OrderStatus, observed: OrderStatus) -> OrderStatus | None:
    """The status to record when a broker reports ``observed``: None when nothing changes.

    A repeated report of the same state is not a change (brokers and polls repeat themselves);
    a repeated ``partially_filled`` is, because it may carry a new fill. Anything else must be
    a legal transition.
    """
    if observed == current and observed is not OrderStatus.PARTIALLY_FILLED:
        return None
    return transition(current, observed)
