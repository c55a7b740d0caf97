"""Order vocabulary shared by Risk Manager and Trading."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

Real = TypeVar("Real", float, Decimal)


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class OrderClass(StrEnum):
    SIMPLE = "simple"
    BRACKET = "bracket"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"


class OrderStatus(StrEnum):
    """Life cycle: new → accepted → partially_filled → filled | canceled | rejected | expired."""

    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}


class PositionSide(StrEnum):
    LONG = "long"
    SHORT = "short"


class Intent(StrEnum):
    """What an order does to exposure: an *entry* opens or grows a position, an *exit* reduces one."""

    ENTRY = "entry"
    EXIT = "exit"


def classify_intent(held_signed: Real, being_exited: Real, side: Side, quantity: Real) -> Intent:
    """The one exit rule, for Risk and Trading alike.

    An order is an exit only when it is on the opposite side of the held position and fits in what
    is held and not already being exited by other working exits (``being_exited``, unsigned).
    Anything else (opening, adding, or an "exit" that would flip the position) is an entry, which
    needs an approval, so an exit can never increase exposure.
    """
    opposite = (side is Side.SELL and held_signed > 0) or (side is Side.BUY and held_signed < 0)
    if opposite and quantity <= abs(held_signed) - being_exited:
        return Intent.EXIT
    return Intent.ENTRY
