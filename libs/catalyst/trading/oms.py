"""The order manager: nothing lost, nothing doubled, risk enforced twice.

Its parts, built here from one set of collaborators: ``commands`` (submit, cancel, flatten, close;
``catalyst.trading.order_commands``), ``recorder`` (the row and its checks; ``order_recorder``),
``sync`` (broker reports; ``order_sync``) and ``queries`` (reads; ``order_queries``).

Submitting an order:

1. In one transaction under a per-security lock: a known ``client_order_id`` returns the order
   already recorded (idempotent; 409 when the body differs). Otherwise classify the order (entry
   or exit against the recorded position and the exits already working), and for an entry read
   the Risk state (``risk_control``: entries only while active, only with an approval of the
   current epoch), verify the approval at the price the order can fill at, insert the row as
   ``new`` with the approval's nonce (UNIQUE: single use) and claim the approval's reservation
   (``risk_reservations``: a lapsed or revoked approval cannot be claimed); a bracket's legs are
   inserted with it (``new``, pointing at it). Commit. An approved
   market (stop) entry is recorded and sent as a limit (stop-limit) at the approval's bound.
2. Only then call the broker, with the same ``client_order_id`` (the broker dedupes too).
   Transient failures are retried by the broker guard; when every try fails the broker is asked
   once more whether the order arrived, and if not the row is marked ``rejected`` with the
   reason, never left pending. A broker refusal marks it ``rejected`` at once.
3. The broker's answer is applied like every later update (stream, poll, reconciliation):
   one transaction moves the order through the transition table, records the fill the cumulative
   figures reveal, and moves the position. Then ``OrderFilled`` and ``PositionUpdate`` go out, in
   the background (the response does not wait on Redis; shutdown waits for them).

If the process dies between 1 and 3, reconciliation finds the ``new`` row at start-up and asks
the broker by client id: found → adopted; not found → sent now if still fresh (see
``catalyst.trading.reconcile``).
"""

from __future__ import annotations

from catalyst.brokers.base import Broker
from catalyst.brokers.feeds import PriceFeed
from catalyst.bus import EventBus
from catalyst.clock import Clock, SystemClock
from catalyst.db import Database
from catalyst.trading.config import TradingSettings
from catalyst.trading.order_commands import OrderCommands
from catalyst.trading.order_queries import OrderQueries
from catalyst.trading.order_recorder import OrderRecorder
from catalyst.trading.order_sync import OrderSync


class OrderManager:
    """The OMS's parts, wired once; routes, reconciliation and the update feed each use the part they need."""

    def __init__(self, db: Database, broker: Broker, *, broker_name: str, feed: PriceFeed, bus: EventBus | None,
                 approval_secret: str, settings: TradingSettings | None = None,
                 clock: Clock = SystemClock()):
        self.db = db
        self.broker = broker
        self.broker_name = broker_name
        self.settings = settings or TradingSettings()
        self.clock = clock
        self.queries = OrderQueries(db, broker, broker_name=broker_name)
        self.sync = OrderSync(db, broker_name=broker_name, bus=bus, settings=self.settings, clock=clock)
        self.recorder = OrderRecorder(db, broker_name=broker_name, feed=feed, approval_secret=approval_secret,
                                      settings=self.settings, clock=clock)
        self.commands = OrderCommands(db, broker, broker_name=broker_name, recorder=self.recorder,
                                      sync=self.sync, queries=self.queries, settings=self.settings)
