"""RiskParameters fixtures: a real API server (``tests.support.kube``) with the CRD applied, a namespace
per test, the real Risk Manager on a loopback port it can be brought back on, the operator as the
deployment runs it (``kopf run operator/riskparameters.py`` in a subprocess, its liveness probe awaited),
and the chart's own RBAC and webhook objects (rendered with ``operator.enabled``)."""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import urllib3
import yaml
from fastapi import FastAPI
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from catalyst.config import Settings
from catalyst.db import Database
from catalyst.environment import read
from catalyst.risk.config import RiskSettings
from catalyst.riskop import resource
from catalyst.riskop.schema import crd
from catalyst.services import Operator, ServiceName
from services.risk.app import build_app
from tests.support.chart import ALL_ON, manifests, of_kind
from tests.support.daily_bars import insert_daily_bars
from tests.support.database import clean_database, connected, scratch_dsn
from tests.support.kube import BUILD_TIMEOUT_S, KubeUnavailable, built, in_namespace, kube_control_plane
from tests.support.loopback import serving
from tests.support.services import http_client
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]
OPERATOR = ROOT / "operator" / "riskparameters.py"
# The chart's service accounts: the operator's, and Workflow's (it patches the authoritative object).
OPERATOR_ACCOUNT = "catalyst-operator"
WORKFLOW_ACCOUNT = "catalyst-workflow"
DRIFT_INTERVAL_S = 1.0  # the tests' timer; the deployment's default is 30 s


def chart_objects(kind: str) -> list[dict[str, Any]]:
    """The chart's objects of ``kind`` with the operator on (each a fresh copy, to move to a namespace)."""
    return of_kind(copy.deepcopy(manifests(ALL_ON)), kind)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the API server -----------------------------------------------------------------------------
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On a machine where the API server is not built yet, its first test builds it (minutes): the
    tests here get the build's time on top of the suite's per-test limit."""
    if built():
        return
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT_S + 240))


@pytest.fixture(scope="session")
def kubeconfig() -> Iterator[str]:
    try:
        with kube_control_plane() as path:
            yield path
    except KubeUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def kube_client(kubeconfig: str) -> k8s.ApiClient:
    """An admin client with the RiskParameters CRD applied and established."""
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the loopback server's own certificate
    api = k8s_config.new_client_from_config(config_file=kubeconfig)
    extensions = k8s.ApiextensionsV1Api(api)
    extensions.create_custom_resource_definition(crd())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # polling the API server, no fixed wait
        conditions = extensions.read_custom_resource_definition(resource.CRD_NAME).status.conditions or []
        if any(c.type == "Established" and c.status == "True" for c in conditions):
            return api
        time.sleep(0.05)
    raise AssertionError("the RiskParameters CRD was not established within 30 s")


@dataclass
class RiskObjects:
    """The RiskParameters objects of one namespace through the real API server (the blocking client
    run off the event loop, so the Risk Manager in this loop keeps answering the operator)."""

    api: k8s.ApiClient
    namespace: str

    @property
    def _objects(self) -> k8s.CustomObjectsApi:
        return k8s.CustomObjectsApi(self.api)

    async def create(self, name: str, spec: dict[str, Any], *, field_manager: str = "kubectl-create") -> dict[str, Any]:
        body = {"apiVersion": resource.API_VERSION, "kind": resource.KIND, "metadata": {"name": name}, "spec": spec}
        return await asyncio.to_thread(self._objects.create_namespaced_custom_object, resource.GROUP,
                                       resource.VERSION, self.namespace, resource.PLURAL, body,
                                       field_manager=field_manager)

    async def patch(self, name: str, spec: dict[str, Any], *, field_manager: str = "kubectl-edit") -> dict[str, Any]:
        return await asyncio.to_thread(self._objects.patch_namespaced_custom_object, resource.GROUP,
                                       resource.VERSION, self.namespace, resource.PLURAL, name, {"spec": spec},
                                       field_manager=field_manager)

    async def get(self, name: str) -> dict[str, Any]:
        return await asyncio.to_thread(self._objects.get_namespaced_custom_object, resource.GROUP,
                                       resource.VERSION, self.namespace, resource.PLURAL, name)

    async def condition(self, name: str, kind: str) -> dict[str, Any]:
        """The object's ``kind`` condition ({} before the operator wrote one)."""
        status = (await self.get(name)).get("status") or {}
        return next((c for c in status.get("conditions") or [] if c["type"] == kind), {})

    async def events(self, name: str) -> list[tuple[str, str]]:
        """(reason, message) of the events about the object."""
        found = await asyncio.to_thread(k8s.CoreV1Api(self.api).list_namespaced_event, self.namespace,
                                        field_selector=f"involvedObject.name={name}")
        return [(e.reason, e.message) for e in found.items]


@pytest.fixture
def rbac_applied(risk_objects: RiskObjects) -> None:
    """The chart's service accounts, Roles and RoleBindings (the operator's, Workflow's) in the test's namespace."""
    core, rbac = k8s.CoreV1Api(risk_objects.api), k8s.RbacAuthorizationV1Api(risk_objects.api)
    create = {"ServiceAccount": core.create_namespaced_service_account, "Role": rbac.create_namespaced_role,
              "RoleBinding": rbac.create_namespaced_role_binding}
    for kind, make in create.items():
        for doc in chart_objects(kind):
            make(risk_objects.namespace, in_namespace(doc, risk_objects.namespace))


@pytest.fixture
def account_kubeconfig(kubeconfig: str, risk_objects: RiskObjects, tmp_path: Path) -> Callable[[str], str]:
    """``account_kubeconfig(OPERATOR_ACCOUNT)``: a kubeconfig presenting that service account's
    token (the TokenRequest API), on the same server."""

    def make(account: str) -> str:
        spec = k8s.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)
        token = k8s.CoreV1Api(risk_objects.api).create_namespaced_service_account_token(
            account, risk_objects.namespace, k8s.AuthenticationV1TokenRequest(spec=spec)).status.token
        config = yaml.safe_load(Path(kubeconfig).read_text())
        config["users"] = [{"name": account, "user": {"token": token}}]
        config["contexts"][0]["context"]["user"] = account
        path = tmp_path / f"{account}.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return str(path)

    return make


@pytest.fixture
def risk_objects(kube_client: k8s.ApiClient) -> RiskObjects:
    """A namespace of its own for the test (the operator watches it)."""
    namespace = f"riskop-{uuid.uuid4().hex[:8]}"
    k8s.CoreV1Api(kube_client).create_namespace({"metadata": {"name": namespace}})
    return RiskObjects(kube_client, namespace)


# -- the Risk Manager ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def riskop_database_url() -> Iterator[str]:
    with scratch_dsn("catalyst_riskop") as dsn:
        yield dsn


@pytest.fixture(scope="session")
async def riskop_db(riskop_database_url: str) -> AsyncIterator[Database]:
    async with connected(riskop_database_url) as db:
        yield db


@pytest.fixture(autouse=True)
async def clean_riskop_tables(riskop_db: Database) -> None:
    """A fresh book each test, and 40 flat daily bars of AAPL (ATR 2.00) for the stop rule."""
    await clean_database(riskop_db)
    await insert_daily_bars(riskop_db, {"AAPL": np.full(40, 100.0)})


@pytest.fixture
def risk_settings(make_settings: Callable[..., Settings], riskop_database_url: str) -> Settings:
    return make_settings(ServiceName.RISK, DATABASE_URL=riskop_database_url,
                         REDIS_NAMESPACE=f"test-riskop-{uuid.uuid4().hex[:8]}:", RISK_APPROVAL_SECRET="test-secret")


@dataclass
class RiskManagerRig:
    """The real Risk Manager app, served on one loopback port for the whole test (stopped and brought
    back there), and a client presenting Workflow's key to look at it or change it out of band."""

    settings: Settings
    parameter_file: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def build(self) -> FastAPI:
        rs = read(RiskSettings, RISK_PARAMETERS_FILE=self.parameter_file, RISK_WATCH_PARAMETERS=False,
                  RISK_MAINTENANCE_INTERVAL=0.2)
        return build_app(self.settings, risk_settings=rs)

    @asynccontextmanager
    async def up(self) -> AsyncIterator[httpx.AsyncClient]:
        app = self.build()
        async with serving(app, port=self.port), http_client(app) as client:
            yield client


@pytest.fixture
def risk_manager(risk_settings: Settings, tmp_path: Path) -> RiskManagerRig:
    parameter_file = tmp_path / "risk_parameters.yaml"
    shutil.copy(ROOT / "config" / "risk_parameters.yaml", parameter_file)
    return RiskManagerRig(risk_settings, parameter_file, _free_port())


# -- the operator -------------------------------------------------------------------------------
@dataclass
class OperatorProcess:
    log: Path
    liveness_url: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def count(self, text: str) -> int:
        return self.output().count(text)


RunOperator = Callable[..., AbstractAsyncContextManager[OperatorProcess]]


@pytest.fixture
def run_operator(kubeconfig: str, risk_objects: RiskObjects, risk_manager: RiskManagerRig,
                 tmp_path: Path) -> RunOperator:
    """``async with run_operator() as op``: the operator process for the test's namespace, its
    liveness probe answering; stopped by SIGTERM after the block. ``as_kubeconfig``: another identity
    than the admin's (a service account's token); ``more_env``: more of its settings."""
    runs = 0

    @asynccontextmanager
    async def run(as_kubeconfig: str | None = None, **more_env: str) -> AsyncIterator[OperatorProcess]:
        nonlocal runs
        runs += 1
        liveness = f"http://127.0.0.1:{_free_port()}/healthz"
        log = tmp_path / f"operator-{runs}.log"
        env = {**os.environ, "KUBECONFIG": as_kubeconfig or kubeconfig,
               "PYTHONPATH": f"{ROOT / 'libs'}{os.pathsep}{ROOT}", "RISK_URL": risk_manager.url,
               "RISK_OPERATOR_API_KEY": risk_manager.settings.api_key(Operator.RISK_OPERATOR),
               "RISKOP_NAMESPACE": risk_objects.namespace, "RISKOP_DRIFT_INTERVAL": str(DRIFT_INTERVAL_S),
               "RISKOP_RETRY_INITIAL": "0.2", "RISKOP_RETRY_MAX": "1", "LOG_LEVEL": "INFO", **more_env}
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kopf", "run", "--standalone", "--namespace", risk_objects.namespace,
                "--liveness", liveness, str(OPERATOR), env=env, cwd=ROOT, stdout=out, stderr=out)
        op = OperatorProcess(log, liveness)
        try:
            async with httpx.AsyncClient(timeout=1.0) as probe:
                async def alive() -> bool:
                    if process.returncode is not None:
                        raise AssertionError(f"the operator exited ({process.returncode}):\n{op.output()[-3000:]}")
                    try:
                        return (await probe.get(liveness)).status_code == 200
                    except httpx.TransportError:
                        return False

                await eventually(alive, within_s=30, interval_s=0.1, what="the operator's liveness probe")
            yield op
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()

    return run
