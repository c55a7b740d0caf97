"""The spec's service matrix (section 2.1): names, ports, who calls whom, and who may present a key."""

from __future__ import annotations

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
    """The one caller that is not a service: the operator (the Kubernetes operator, or a person at
    its console) who changes risk parameters and stops trading in an emergency (spec 6.2)."""

    OPERATOR = "operator"


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

# Services each one calls over REST, read from the code that calls them (the typed clients each
# service builds); /health probes them under "dependencies" and catalyst.access lets them in.
# Risk calls Trading (cancel-all, flatten, positions, account in an emergency stop and for sizing);
# Trading calls no one. Workflow calls every service (spec 2.1); Reporting only reads the database.
DEPENDENCIES: dict[ServiceName, tuple[ServiceName, ...]] = {
    ServiceName.ORCHESTRATION: (ServiceName.WORKFLOW,),
    ServiceName.SCANNER: (ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN),
    ServiceName.PATTERN: (),
    ServiceName.TECHNICAL: (),
    ServiceName.RISK: (ServiceName.TRADING,),
    ServiceName.TRADING: (),
    ServiceName.WORKFLOW: (
        ServiceName.SCANNER,
        ServiceName.NEWS,
        ServiceName.TECHNICAL,
        ServiceName.PATTERN,
        ServiceName.RISK,
        ServiceName.TRADING,
        ServiceName.REPORTING,
    ),
    ServiceName.NEWS: (),
    ServiceName.REPORTING: (),
}


def callers_of(service: ServiceName) -> frozenset[ServiceName]:
    """The services that declare ``service`` as a peer: the inverse of ``DEPENDENCIES``."""
    return frozenset(caller for caller, peers in DEPENDENCIES.items() if service in peers)
