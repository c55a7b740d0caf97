"""The spec's service matrix (section 2.1): names, ports, each service's wiring, who may present a key.

A service's ``Wiring`` declares the peers it calls (the typed clients it builds: a runtime refuses
to build a client for a peer its wiring does not name) and what else it connects to. The
dependency matrix, ``/health``'s probes and the callers ``catalyst.access`` lets in all follow
from these declarations; a test checks each built service constructs the clients of exactly its peers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ServiceName(StrEnum):
    ORCHESTRATION = "orchestration"
    SCANNER = "scanner"
    PATTERN = "pattern"
    TECHNICAL = "technical"
    RISK = "risk"
    TRADING = "trading"
    WORKFLOW = "workflow"
    NEWS = "news"
    REPORTING = "reporting"


class Operator(StrEnum):
    """The callers that are not services: the operator (a person at the console, or the CronJobs'
    ``catalyst phase``) who changes risk parameters and stops trading in an emergency (spec 6.2), and
    the risk operator (the kopf operator of the RiskParameters object, ``operator/``), which may only
    read and replace the risk parameters."""

    OPERATOR = "operator"
    RISK_OPERATOR = "risk_operator"


# Whoever presents an X-API-Key: a service, or the operator.
Identity = ServiceName | Operator
IDENTITIES: tuple[Identity, ...] = (*ServiceName, *Operator)


PORTS: dict[ServiceName, int] = {
    ServiceName.ORCHESTRATION: 5000,
    ServiceName.SCANNER: 5001,
    ServiceName.PATTERN: 5002,
    ServiceName.TECHNICAL: 5003,
    ServiceName.RISK: 5004,
    ServiceName.TRADING: 5005,
    ServiceName.WORKFLOW: 5006,
    ServiceName.NEWS: 5008,
    ServiceName.REPORTING: 5009,
}



@dataclass(frozen=True)
class Wiring:
    """What ``service`` connects to: the ``peers`` it calls over REST, those of them whose outage makes
    it unhealthy (``required``; the others only degrade it), and whether it uses Postgres and Redis."""

    service: ServiceName
    peers: tuple[ServiceName, ...] = ()
    required: tuple[ServiceName, ...] = ()
    uses_database: bool = True
    uses_redis: bool = True

    def __post_init__(self) -> None:
        if not set(self.required) <= set(self.peers):
            raise ValueError(f"{self.service.value}: required services must be peers")


# Risk calls Trading (cancel-all, flatten, positions, account in an emergency stop and for sizing);
# Trading calls no one. Workflow calls every service (spec 2.1); Reporting only reads the database (no Redis).
# Orchestration calls only Workflow and has no database (spec 2.2).
WIRING: dict[ServiceName, Wiring] = {w.service: w for w in (
    Wiring(ServiceName.ORCHESTRATION, peers=(ServiceName.WORKFLOW,), required=(ServiceName.WORKFLOW,),
           uses_database=False),
    Wiring(ServiceName.SCANNER, peers=(ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN)),
    Wiring(ServiceName.PATTERN),
    Wiring(ServiceName.TECHNICAL),
    Wiring(ServiceName.RISK, peers=(ServiceName.TRADING,)),
    Wiring(ServiceName.TRADING),
    Wiring(ServiceName.WORKFLOW, peers=(
        ServiceName.SCANNER, ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN, ServiceName.RISK,
        ServiceName.TRADING, ServiceName.REPORTING,
    )),
    Wiring(ServiceName.NEWS),
    Wiring(ServiceName.REPORTING, uses_redis=False),
)}

# Services each one calls over REST: read off the wiring.
DEPENDENCIES: dict[ServiceName, tuple[ServiceName, ...]] = {s: w.peers for s, w in WIRING.items()}


def callers_of(service: ServiceName) -> frozenset[ServiceName]:
    """The services that declare ``service`` as a peer: the inverse of ``DEPENDENCIES``."""
    return frozenset(caller for caller, peers in DEPENDENCIES.items() if service in peers)
