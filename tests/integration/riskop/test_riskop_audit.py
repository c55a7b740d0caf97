"""Every change is audited: the API server's user who changed the object reaches the Risk Manager's
history as ``applied_by``, recorded by the operator's admission webhook (the chart's ``operator-webhook.yaml``),
kept through the operator's own writes to the object, and not to be rewritten without a change of the set."""

from __future__ import annotations

import asyncio
import base64
import socket
import subprocess
import uuid
from pathlib import Path

from kubernetes import client as k8s

from catalyst.riskop.resource import DEFAULT_OBJECT_NAME, EDITOR_ANNOTATION, GROUP, PLURAL, VERSION
from tests.integration.riskop.conftest import OPERATOR_ACCOUNT, chart_objects
from tests.support.waiting import eventually

NAME = DEFAULT_OBJECT_NAME


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_editing_user_reaches_the_risk_managers_history(risk_objects, risk_manager, run_operator,
                                                                  rbac_applied, account_kubeconfig, riskop_db,
                                                                  tmp_path):
    cert, key = _certificate(tmp_path)
    port = _free_port()
    (config,) = chart_objects("MutatingWebhookConfiguration")
    config["metadata"]["name"] = f"catalyst-risk-operator-{uuid.uuid4().hex[:8]}"  # cluster-scoped: one per test
    (webhook,) = config["webhooks"]
    webhook["clientConfig"] = {"url": f"https://127.0.0.1:{port}/record-editor",
                               "caBundle": base64.b64encode(cert.read_bytes()).decode()}
    admission = k8s.AdmissionregistrationV1Api(risk_objects.api)
    await asyncio.to_thread(admission.create_mutating_webhook_configuration, config)
    try:
        env = {"RISKOP_WEBHOOK_CERT": str(cert), "RISKOP_WEBHOOK_KEY": str(key), "RISKOP_WEBHOOK_ADDR": "127.0.0.1",
               "RISKOP_WEBHOOK_PORT": str(port)}
        async with risk_manager.up() as risk, run_operator(as_kubeconfig=account_kubeconfig(OPERATOR_ACCOUNT),
                                                           **env):
            await eventually(lambda: _listening(port), within_s=20, what="the webhook listening")
            await risk_objects.create(NAME, {"max_positions": 3})  # as the API server's user "admin"

            async def applied_by() -> str | None:
                active = (await risk.get("/api/v1/risk/parameters")).json()
                return active["applied_by"] if active["parameters"]["max_positions"] == 3 else None

            first = await eventually(applied_by, within_s=20, what="the set applied")
            forged = {"metadata": {"annotations": {EDITOR_ANNOTATION: "someone-else"}}}  # the record alone: undone
            await asyncio.to_thread(k8s.CustomObjectsApi(risk_objects.api).patch_namespaced_custom_object,
                                    GROUP, VERSION, risk_objects.namespace, PLURAL, NAME, forged)
            obj = await risk_objects.get(NAME)
    finally:
        await asyncio.to_thread(admission.delete_mutating_webhook_configuration, config["metadata"]["name"])
    assert first == "k8s:admin"  # not the field manager: the user, through the operator's own writes after it
    assert obj["metadata"]["annotations"][EDITOR_ANNOTATION] == "admin"
    async with riskop_db.acquire() as conn:
        recorded = await conn.fetchval("SELECT applied_by FROM risk_parameters WHERE is_active")
    assert recorded == "k8s:admin"
