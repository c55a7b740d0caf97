"""``kubectl edit`` to a live limit: from a patch of the RiskParameters object to the Risk Manager's
next decision reflecting it, over 20 edits, on a real API server.

Starts the API server (``tests.support.kube``: kube-apiserver 1.20 and etcd on loopback), applies
the CRD, runs the real Risk Manager (uvicorn, its own process, a scratch database with 40 daily bars
of AAPL) and the operator as deployed (``kopf run operator/riskparameters.py``, its own process).
Each edit flips ``max_position_pct`` between 0.05 and 0.20, which flips the decision on a buy of
100 AAPL at $100 ($10,000: refused above 5% of $100,000, approved under 20%); the clock runs from
the patch call until a ``dry_run`` validation, polled every 10 ms, gives the new answer.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from bench.common import free_port, load_average, machine_load, percentile, service
from catalyst.config import Settings
from catalyst.context import API_KEY_HEADER
from catalyst.db import Database
from catalyst.db.scratch import scratch_database
from catalyst.riskop import resource
from catalyst.riskop.schema import crd
from catalyst.services import Operator, ServiceName
from tests.support.daily_bars import insert_daily_bars
from tests.support.kube import KubeUnavailable, kube_control_plane

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = os.environ.get("CATALYST_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
HEADING = "## RiskParameters: from `kubectl edit` to the Risk Manager's next decision"
EDITS = 20
POLL_S = 0.01
TARGET_P95_S = 2.0
NAMESPACE = "catalyst"
ENTRY = {"symbol": "AAPL", "side": "buy", "quantity": 100, "entry": 100.0, "stop": 98.0, "target": 104.0,
         "dry_run": True}
COMMAND = "`make bench` (alone: `.venv/bin/python -m bench riskop`; `.venv/bin/python -m bench --write riskop` " \
          "also rewrites this section of docs/benchmarks.md)"


def _cluster(kubeconfig: str) -> k8s.CustomObjectsApi:
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    api = k8s_config.new_client_from_config(config_file=kubeconfig)  # type: ignore[no-untyped-call]
    extensions: Any = k8s.ApiextensionsV1Api(api)  # the client takes plain dicts as bodies
    extensions.create_custom_resource_definition(crd())
    deadline = time.monotonic() + 30
    while not any(c.type == "Established" and c.status == "True"
                  for c in extensions.read_custom_resource_definition(resource.CRD_NAME).status.conditions or []):
        if time.monotonic() > deadline:
            raise RuntimeError("the CRD was not established within 30 s")
        time.sleep(0.05)
    k8s.CoreV1Api(api).create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=NAMESPACE)))
    return k8s.CustomObjectsApi(api)


def _start_operator(kubeconfig: str, risk_url: str, key: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KUBECONFIG": kubeconfig, "PYTHONPATH": f"{ROOT / 'libs'}{os.pathsep}{ROOT}",
           "RISK_URL": risk_url, "RISK_OPERATOR_API_KEY": key, "RISKOP_NAMESPACE": NAMESPACE, "LOG_LEVEL": "WARNING"}
    liveness = f"http://127.0.0.1:{free_port()}/healthz"
    with log.open("wb") as out:
        operator = subprocess.Popen([sys.executable, "-m", "kopf", "run", "--standalone", "--quiet", "--namespace",
                                     NAMESPACE, "--liveness", liveness, str(ROOT / "operator" / "riskparameters.py")],
                                    cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(liveness, timeout=1).status_code == 200:
                return operator
        except httpx.TransportError:
            pass
        if operator.poll() is not None:
            break
        time.sleep(0.1)
    operator.terminate()
    raise RuntimeError(f"the operator did not start: {log.read_text()[-2000:]}")


async def _decision(risk: httpx.AsyncClient) -> bool:
    response = await risk.post("/api/v1/risk/validate", json=ENTRY)
    response.raise_for_status()
    return bool(response.json()["approved"])


async def _until(risk: httpx.AsyncClient, approved: bool, *, within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while await _decision(risk) is not approved:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the decision did not become approved={approved} within {within_s} s")
        await asyncio.sleep(POLL_S)


async def _edits(objects: k8s.CustomObjectsApi, risk: httpx.AsyncClient) -> list[float]:
    body = {"apiVersion": resource.API_VERSION, "kind": resource.KIND,
            "metadata": {"name": resource.DEFAULT_OBJECT_NAME}, "spec": {"max_position_pct": 0.20}}
    await asyncio.to_thread(objects.create_namespaced_custom_object, resource.GROUP, resource.VERSION, NAMESPACE,
                            resource.PLURAL, body)
    await _until(risk, True)
    samples = []
    for i in range(EDITS):
        pct = 0.05 if i % 2 == 0 else 0.20
        t0 = time.perf_counter()
        await asyncio.to_thread(objects.patch_namespaced_custom_object, resource.GROUP, resource.VERSION, NAMESPACE,
                                resource.PLURAL, resource.DEFAULT_OBJECT_NAME, {"spec": {"max_position_pct": pct}},
                                field_manager="kubectl-edit")
        await _until(risk, pct == 0.20)
        samples.append(time.perf_counter() - t0)
    return samples


async def _run() -> str:
    load_before = load_average()
    started = datetime.now(UTC)
    async with scratch_database(ADMIN_DSN, "catalyst_bench_riskop") as dsn:
        db = Database(dsn)
        try:
            await insert_daily_bars(db, {"AAPL": np.full(40, 100.0)})
        finally:
            await db.close()
        with tempfile.TemporaryDirectory() as tmp, kube_control_plane() as kubeconfig:
            objects = await asyncio.to_thread(_cluster, kubeconfig)
            param_file = Path(tmp) / "risk_parameters.yaml"
            param_file.write_text((ROOT / "config" / "risk_parameters.yaml").read_text())
            env = {"DATABASE_URL": dsn, "REDIS_URL": REDIS_URL,
                   "REDIS_NAMESPACE": f"bench-riskop-{uuid.uuid4().hex[:8]}:", "CATALYST_ENV": "test",
                   "LOG_LEVEL": "WARNING", "RISK_WATCH_PARAMETERS": "false", "RISK_PARAMETERS_FILE": str(param_file),
                   "TRADING_URL": f"http://127.0.0.1:{free_port()}"}  # no Trading: the parameter is the capital
            keys = Settings()  # the development keys the service accepts (CATALYST_ENV=test)
            with service(ServiceName.RISK, env, Path(tmp)) as base:
                operator = await asyncio.to_thread(_start_operator, kubeconfig, base,
                                                   keys.api_key(Operator.RISK_OPERATOR), Path(tmp) / "operator.log")
                try:
                    headers = {API_KEY_HEADER: keys.api_key(ServiceName.WORKFLOW)}
                    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as risk:
                        samples = await _edits(objects, risk)
                finally:
                    operator.terminate()
                    operator.wait(timeout=20)
    return _render(samples, load_before, started)


def _render(samples: list[float], load_before: str, started: datetime) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50, p95 = percentile(ms, 0.50), percentile(ms, 0.95)
    met = "met" if p95 < TARGET_P95_S * 1000 else "NOT met"
    return "\n".join([
        HEADING,
        "",
        f"Command: {COMMAND}. A real kube-apiserver 1.20 and etcd on loopback "
        "(`../shared/tools/kube-control-plane`), the CRD applied, the Risk Manager (uvicorn, its own process, "
        "scratch database `catalyst_bench_riskop_<random>`) and the operator (`kopf run operator/riskparameters.py`, "
        "its own process) as deployed.",
        "",
        "| Measure | p50 | p95 | max | target | result |",
        "|---|---|---|---|---|---|",
        f"| Patch of `max_position_pct` → next `POST /risk/validate` answers by it ({len(ms)} edits) "
        f"| {p50:,.0f} ms | {p95:,.0f} ms | {ms[-1]:,.0f} ms | p95 < {TARGET_P95_S:g} s | {met} |",
        "",
        "- Each edit flips `max_position_pct` between 0.05 and 0.20, which flips the decision on a buy of 100 AAPL "
        "at $100; the time runs from the patch call (the API server's answer included) until a `dry_run` "
        f"validation, polled every {POLL_S * 1000:.0f} ms, answers by the new value. In between: the watch event "
        "reaches kopf, the handler reads the Risk Manager's set, `PUT /api/v1/risk/parameters` validates, writes "
        "the version row and swaps the set (the status patch follows).",
        f"- {machine_load(load_before)}run {started:%Y-%m-%d %H:%M} UTC.",
    ])


def run() -> str:
    try:
        return asyncio.run(_run())
    except KubeUnavailable as exc:  # no API server on this machine: say so, let the other benchmarks run
        return f"{HEADING}\n\nNot measured: {exc}"


if __name__ == "__main__":
    print(run())
