"""Each service's wiring names the peers it calls, and the code builds the clients of exactly those."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from catalyst.app import build_runtime
from catalyst.clients.base import TypedClient
from catalyst.clock import SystemClock
from catalyst.config import Settings
from catalyst.services import DEPENDENCIES, WIRING, ServiceName, Wiring, callers_of

SERVICES = Path(__file__).resolve().parents[3] / "services"
BUILT = sorted(ServiceName(p.name) for p in SERVICES.iterdir() if (p / "app.py").exists())


def constructed_peers(service: ServiceName) -> set[ServiceName]:
    """The peers of the typed clients the service's modules build (``rt.peer(X)`` or ``X(…)``)."""
    peers: set[ServiceName] = set()
    for path in sorted((SERVICES / service.value).glob("*.py")):
        module = importlib.import_module(f"services.{service.value}.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for name in (node.func, *node.args):
                kind = getattr(module, name.id, None) if isinstance(name, ast.Name) else None
                if isinstance(kind, type) and issubclass(kind, TypedClient):
                    peers.add(kind.peer)
    return peers


def test_the_five_services_are_found() -> None:
    assert set(BUILT) >= {ServiceName.NEWS, ServiceName.RISK, ServiceName.TRADING}


@pytest.mark.parametrize("service", BUILT)
def test_declared_peers_are_the_clients_the_service_builds(service: ServiceName) -> None:
    assert constructed_peers(service) == set(WIRING[service].peers)


def test_the_matrix_and_the_callers_are_read_off_the_wiring() -> None:
    assert {s: w.peers for s, w in WIRING.items()} == DEPENDENCIES
    assert set(WIRING) == set(ServiceName)
    assert callers_of(ServiceName.TRADING) == {s for s, w in WIRING.items() if ServiceName.TRADING in w.peers}


def test_a_required_service_must_be_a_peer() -> None:
    with pytest.raises(ValueError, match="must be peers"):
        Wiring(ServiceName.TRADING, required=(ServiceName.RISK,))


async def test_a_runtime_builds_no_client_for_an_undeclared_peer() -> None:
    rt = build_runtime(WIRING[ServiceName.TRADING], Settings(), SystemClock())
    try:
        with pytest.raises(ValueError, match="does not declare risk as a peer"):
            rt.client(ServiceName.RISK)
    finally:
        await rt.close()
