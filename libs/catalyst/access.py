"""Who may call which route group: the one table of it, derived from the service matrix.

A key authenticates a caller (401 when missing or unknown); the route group it calls then
authorizes it (403 ``FORBIDDEN_CALLER`` otherwise). A service's routes are open to the services
that declare it as a peer (``catalyst.services.callers_of``). On top of that, deliberately:

- Risk and Trading reads (GET) are open to Orchestration and the operator as well: they answer
  Claude's MCP resources (positions, risk status) and the operator's look at the book, and a read
  moves no money. Their commands stay with the callers that really send them.
- Risk controls (parameter changes, emergency stop, reset) are open to Workflow, Orchestration
  (the MCP tools ``update_risk_parameter``, ``stop_trading_session``) and the operator (spec 2.3).
- Risk's parameters (``GET``/``PUT /risk/parameters``) are open to those and to the risk operator (the
  kopf operator of the RiskParameters object) besides: it pushes the object's set and reads it back
  to repair drift, and may call nothing else.
- Trading's commands are for its matrix callers: Risk (cancel-all and flatten in an emergency stop)
  and Workflow (entries, exits, the market-close flatten, reconciliation). An entry still needs
  Risk's signed approval whoever sends it.
- Pushed news is taken from Workflow and the operator; the Scanner only reads News.
- Workflow (the trading cycle, trade requests, the reads Claude's resources need) is for
  Orchestration and the operator (``catalyst phase``, the CronJobs' command, presents its key).
- Reporting is Workflow's (it builds and mails the daily report); its reads (the reports, the
  journal, the HTML page) are open to Orchestration and the operator as well.

Each service mounts a router with its group here (``create_app(routers=[(router, GROUP)])``);
nothing else in the code names callers.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalyst.services import Identity, Operator, ServiceName, callers_of

READ_METHODS = frozenset({"GET", "HEAD"})
OVERSEERS: frozenset[Identity] = frozenset({ServiceName.ORCHESTRATION, Operator.OPERATOR})


@dataclass(frozen=True)
class RouteGroup:
    """The callers allowed on one router of ``service``: ``callers`` on every route, ``readers``
    besides them on its GET routes only."""

    service: ServiceName
    callers: frozenset[Identity]
    readers: frozenset[Identity] = frozenset()

    def allowed(self, method: str) -> frozenset[Identity]:
        """Who may call a route of this group answering ``method``."""
        return self.callers | self.readers if method.upper() in READ_METHODS else self.callers


NEWS_QUERIES = RouteGroup(ServiceName.NEWS, callers_of(ServiceName.NEWS))
NEWS_INGEST = RouteGroup(ServiceName.NEWS, frozenset({ServiceName.WORKFLOW, Operator.OPERATOR}))
TECHNICAL_QUERIES = RouteGroup(ServiceName.TECHNICAL, callers_of(ServiceName.TECHNICAL))
PATTERN_QUERIES = RouteGroup(ServiceName.PATTERN, callers_of(ServiceName.PATTERN))
RISK_CHECKS = RouteGroup(ServiceName.RISK, callers_of(ServiceName.RISK), readers=OVERSEERS)
RISK_CONTROLS = RouteGroup(ServiceName.RISK, callers_of(ServiceName.RISK) | OVERSEERS)
RISK_PARAMETERS = RouteGroup(ServiceName.RISK, callers_of(ServiceName.RISK) | OVERSEERS | {Operator.RISK_OPERATOR})
TRADING_BOOK = RouteGroup(ServiceName.TRADING, callers_of(ServiceName.TRADING), readers=OVERSEERS)
SCANNER_SCANS = RouteGroup(ServiceName.SCANNER, callers_of(ServiceName.SCANNER), readers=OVERSEERS)
WORKFLOW = RouteGroup(ServiceName.WORKFLOW, callers_of(ServiceName.WORKFLOW) | {Operator.OPERATOR})
REPORTING = RouteGroup(ServiceName.REPORTING, callers_of(ServiceName.REPORTING), readers=OVERSEERS)
