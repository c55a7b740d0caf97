"""The NetworkPolicies allow exactly the calls ``catalyst.services.WIRING`` declares, and no other: each service
reaches its peers, DNS, and PostgreSQL / Redis where it uses them; it is reached by its callers only, plus
the fixed ways in from outside the matrix (Traefik to Orchestration, the phase CronJobs to Workflow,
the RiskParameters operator to Risk when it is on, Prometheus, the helm test pod); with the operator, it and
Workflow reach the API server. Everything else in the release is denied by default."""

from __future__ import annotations

from typing import Any

import pytest

from catalyst.services import PORTS, WIRING, ServiceName, callers_of
from tests.support.chart import ALL_ON, manifests, of_kind

Peer = tuple[Any, ...]
Allowed = set[tuple[Peer, int, str]]

DNS = {(("ns-pod", "kube-system", (("k8s-app", "kube-dns"),)), 53, proto) for proto in ("UDP", "TCP")}
TRAEFIK = ("ns-pod", "kube-system", (("app.kubernetes.io/name", "traefik"),))
PROMETHEUS = ("ns", "monitoring")
PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")
INTERNET = {(("cidr", "0.0.0.0/0", PRIVATE), port, "TCP") for port in (443, 465, 587)}
INTERNET_USERS = {ServiceName.NEWS, ServiceName.TRADING, ServiceName.REPORTING}


def _peer(entry: dict[str, Any]) -> Peer:
    if "ipBlock" in entry:
        return ("cidr", entry["ipBlock"]["cidr"], tuple(entry["ipBlock"].get("except", ())))
    pods = entry.get("podSelector", {}).get("matchLabels")
    if "namespaceSelector" in entry:
        ns = entry["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        return ("ns-pod", ns, tuple(sorted(pods.items()))) if pods else ("ns", ns)
    assert pods["app.kubernetes.io/instance"] == "catalyst"
    return ("pod", pods["app.kubernetes.io/component"])


def _allowed(rules: list[dict[str, Any]], side: str) -> Allowed:
    return {(_peer(entry), port["port"], port["protocol"])
            for rule in rules for entry in rule[side] for port in rule["ports"]}


def _policies(values: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component"): p
            for p in of_kind(manifests(values), "NetworkPolicy")}


def _pod(name: str, port: int) -> tuple[Peer, int, str]:
    return (("pod", name), port, "TCP")


def _expected_ingress(service: ServiceName, operator: bool) -> Allowed:
    port = PORTS[service]
    allowed = {_pod(caller.value, port) for caller in callers_of(service)}
    allowed |= {_pod("health-test", port), (PROMETHEUS, port, "TCP")}
    if service is ServiceName.WORKFLOW:
        allowed.add(_pod("phase", port))
    if service is ServiceName.ORCHESTRATION:
        allowed.add((TRAEFIK, port, "TCP"))
    if service is ServiceName.RISK and operator:
        allowed.add(_pod("operator", port))
    return allowed


API_SERVER = (("cidr", "0.0.0.0/0", ()), 6443, "TCP")


def _expected_egress(service: ServiceName, postgres: Peer, operator: bool = False) -> Allowed:
    wiring = WIRING[service]
    allowed = DNS | {_pod(peer.value, PORTS[peer]) for peer in wiring.peers}
    if service is ServiceName.WORKFLOW and operator:  # it patches the RiskParameters object
        allowed.add(API_SERVER)
    if wiring.uses_database:
        allowed.add((postgres, 5432, "TCP"))
    if wiring.uses_redis:
        allowed.add(_pod("redis", 6379))
    if service in INTERNET_USERS:
        allowed |= INTERNET
    return allowed


VALUE_SETS = {
    "external-postgres": ({}, ("cidr", "0.0.0.0/0", ())),
    "in-cluster-postgres": (ALL_ON, ("pod", "postgresql")),
}


@pytest.mark.parametrize(("values", "postgres"), VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_each_service_is_reached_by_its_callers_and_reaches_its_peers_only(values, postgres):
    policies = _policies(values)
    for service in ServiceName:
        spec = policies[service.value]["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        operator = values.get("operator", {}).get("enabled", False)
        assert _allowed(spec["ingress"], "from") == _expected_ingress(service, operator), service
        assert _allowed(spec["egress"], "to") == _expected_egress(service, postgres, operator), service


def test_the_operator_reaches_the_api_server_risk_and_dns_and_is_reached_by_the_api_server_only():
    spec = _policies(ALL_ON)["operator"]["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert _allowed(spec["egress"], "to") == DNS | {API_SERVER, _pod("risk", PORTS[ServiceName.RISK])}
    assert _allowed(spec["ingress"], "from") == {(("cidr", "0.0.0.0/0", ()), 9443, "TCP")}


def test_the_api_servers_address_is_a_value():
    values = {"operator": {"enabled": True, "apiServer": {"cidr": "192.168.1.10/32", "port": 16443}}}
    policies = _policies(values)
    server = (("cidr", "192.168.1.10/32", ()), 16443, "TCP")
    assert server in _allowed(policies["operator"]["spec"]["egress"], "to")
    assert server in _allowed(policies["workflow"]["spec"]["egress"], "to")
    assert _allowed(policies["operator"]["spec"]["ingress"], "from") == {(("cidr", "192.168.1.10/32", ()), 9443, "TCP")}
    assert "operator" not in _policies({})


def test_every_declared_call_is_allowed_at_both_ends():
    policies = _policies({})
    for caller, wiring in WIRING.items():
        for peer in wiring.peers:
            assert _pod(peer.value, PORTS[peer]) in _allowed(policies[caller.value]["spec"]["egress"], "to")
            assert _pod(caller.value, PORTS[peer]) in _allowed(policies[peer.value]["spec"]["ingress"], "from")


def test_everything_else_is_denied_by_default():
    policies = _policies({})
    deny = policies[None]["spec"]
    assert deny["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "catalyst",
                                                  "app.kubernetes.io/instance": "catalyst"}
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny
    assert "egress" not in deny


def test_redis_postgres_and_the_jobs_allow_only_their_users():
    policies = _policies(ALL_ON)
    redis_users = {s.value for s, w in WIRING.items() if w.uses_redis}
    assert _allowed(policies["redis"]["spec"]["ingress"], "from") == {_pod(s, 6379) for s in redis_users}
    db_users = {s.value for s, w in WIRING.items() if w.uses_database} | {"migrations"}
    assert _allowed(policies["postgresql"]["spec"]["ingress"], "from") == {_pod(s, 5432) for s in db_users}
    assert _allowed(policies["phase"]["spec"]["egress"], "to") == DNS | {_pod("workflow", PORTS[ServiceName.WORKFLOW])}
    assert _allowed(policies["migrations"]["spec"]["egress"], "to") == DNS | {_pod("postgresql", 5432)}
    assert _allowed(policies["health-test"]["spec"]["egress"], "to") == DNS | {
        _pod(s.value, PORTS[s]) for s in ServiceName}
    for component in ("redis", "postgresql", "phase", "migrations", "health-test"):
        spec = policies[component]["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
    for component in ("phase", "migrations", "health-test"):
        assert policies[component]["spec"]["ingress"] == []
