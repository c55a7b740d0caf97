"""The spec's service matrix (section 2.1): names, ports and who depends on whom."""

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

# Services each one calls over REST; /health reports them under "dependencies".
DEPENDENCIES: dict[ServiceName, tuple[ServiceName, ...]] = {
    ServiceName.ORCHESTRATION: (ServiceName.WORKFLOW,),
    ServiceName.SCANNER: (ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN),
    ServiceName.PATTERN: (),
    ServiceName.TECHNICAL: (),
    ServiceName.RISK: (),
    ServiceName.TRADING: (ServiceName.RISK,),
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
