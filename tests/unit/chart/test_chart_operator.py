"""The RiskParameters operator in the chart (``operator.enabled``): its Deployment, Service, RBAC, the admission
webhook with a certificate the caBundle verifies, and the two services it changes: Risk stops watching its
file, Workflow patches the one object as its own service account."""

from __future__ import annotations

import base64
from typing import Any

from cryptography import x509

from catalyst.risk.config import RiskSettings
from catalyst.riskop.cluster import ObjectRef
from catalyst.workflow.config import WorkflowSettings
from catalyst.workflow.risk_limits import object_ref
from tests.support.chart import ALL_ON, manifests, of_kind

OPERATOR = "catalyst-operator"


def _named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (doc,) = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    return doc


def _container(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (container,) = _named(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"]
    return container


def test_nothing_of_the_operator_without_it():
    docs = manifests()
    assert [d["kind"] for d in docs if d["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"] == []
    assert of_kind(docs, "ServiceAccount") == of_kind(docs, "Role") == of_kind(docs, "RoleBinding") == []
    assert "RISK_WATCH_PARAMETERS" not in {e["name"] for e in _container(docs, "catalyst-risk")["env"]}
    assert "RISK_PARAMETERS_OBJECT" not in {e["name"] for e in _container(docs, "catalyst-workflow")["env"]}


def test_the_operator_deployment_watches_its_namespace_and_probes_kopfs_liveness():
    docs = manifests(ALL_ON)
    deployment = _named(docs, "Deployment", OPERATOR)
    pod = deployment["spec"]["template"]["spec"]
    container = _container(docs, OPERATOR)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"
    assert pod["serviceAccountName"] == OPERATOR
    assert container["command"][:3] == ["kopf", "run", "--standalone"]
    assert "--namespace=$(RISKOP_NAMESPACE)" in container["command"]
    assert "--liveness=http://0.0.0.0:8080/healthz" in container["command"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    env = {e["name"]: e for e in container["env"]}
    assert env["RISKOP_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["RISKOP_OBJECT"]["value"] == "catalyst-risk"
    mounted = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert env["RISKOP_WEBHOOK_CERT"]["value"] == f"{mounted['webhook-tls']}/tls.crt"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["webhook-tls"]["secret"]["secretName"] == f"{OPERATOR}-webhook-tls"
    (service,) = [s for s in of_kind(docs, "Service") if s["metadata"]["name"] == OPERATOR]
    assert service["spec"]["ports"] == [{"name": "webhook", "port": 9443, "targetPort": "webhook", "protocol": "TCP"}]


def test_the_operator_and_workflow_have_their_minimal_roles():
    docs = manifests(ALL_ON)
    operator = _named(docs, "Role", OPERATOR)["rules"]
    assert {(r["resources"][0], tuple(r["verbs"])) for r in operator} == {
        ("riskparameters", ("get", "list", "watch", "patch")), ("riskparameters/status", ("get", "patch")),
        ("events", ("create",))}
    (workflow,) = _named(docs, "Role", "catalyst-workflow-riskparameters")["rules"]
    assert workflow == {"apiGroups": ["catalyst.trading"], "resources": ["riskparameters"],
                        "resourceNames": ["catalyst-risk"], "verbs": ["get", "patch"]}
    bindings = {b["roleRef"]["name"]: b["subjects"] for b in of_kind(docs, "RoleBinding")}
    assert bindings == {
        OPERATOR: [{"kind": "ServiceAccount", "name": OPERATOR, "namespace": "catalyst"}],
        "catalyst-workflow-riskparameters": [{"kind": "ServiceAccount", "name": "catalyst-workflow",
                                              "namespace": "catalyst"}]}


def test_the_webhooks_certificate_is_for_its_service_and_signed_by_the_ca_bundle():
    docs = manifests(ALL_ON)
    secret = _named(docs, "Secret", f"{OPERATOR}-webhook-tls")
    assert secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    (config,) = of_kind(docs, "MutatingWebhookConfiguration")
    (webhook,) = config["webhooks"]
    assert webhook["failurePolicy"] == "Ignore"
    assert webhook["clientConfig"]["service"] == {"name": OPERATOR, "namespace": "catalyst",
                                                  "path": "/record-editor", "port": 9443}
    ca_pem = base64.b64decode(webhook["clientConfig"]["caBundle"])
    assert ca_pem == base64.b64decode(secret["data"]["ca.crt"])
    ca = x509.load_pem_x509_certificate(ca_pem)
    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert f"{OPERATOR}.catalyst.svc" in names


def test_risk_stops_watching_its_file_and_workflow_names_the_object():
    docs = manifests(ALL_ON)
    risk = {e["name"]: e.get("value") for e in _container(docs, "catalyst-risk")["env"]}
    workflow = {e["name"]: e.get("value") for e in _container(docs, "catalyst-workflow")["env"]}
    assert risk["RISK_WATCH_PARAMETERS"] == "false"  # a file edit would be drift
    assert workflow["RISK_PARAMETERS_OBJECT"] == "catalyst/catalyst-risk"


def test_the_services_read_those_settings():
    docs = manifests(ALL_ON)
    risk = {e["name"]: e["value"] for e in _container(docs, "catalyst-risk")["env"] if "value" in e}
    workflow = {e["name"]: e["value"] for e in _container(docs, "catalyst-workflow")["env"] if "value" in e}
    assert RiskSettings.model_validate(risk).watch_parameters is False
    spelled = WorkflowSettings.model_validate(workflow).risk_parameters_object
    assert object_ref(spelled) == ObjectRef("catalyst", "catalyst-risk")
