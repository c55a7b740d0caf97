"""The chart as a real Helm engine renders it: lint, Kubernetes and CRD schemas, and the shape issue 13 asks
(probes, security, resources, keys, labels, CronJobs, the one exposed route, monitoring by capability)."""

from __future__ import annotations

import base64
import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest
import yaml
from pydantic import SecretStr

from catalyst.config import Settings
from catalyst.orchestration.config import OrchestrationSettings
from catalyst.services import IDENTITIES, PORTS, WIRING, ServiceName
from services.orchestration.app import AUTH_PATH
from tests.support.chart import (
    ALL_ON,
    CHART,
    KUBE_VERSIONS,
    component,
    manifests,
    of_kind,
    pod_specs,
    rendered_files,
)

CRD_SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "crds"
CUSTOM_GROUPS = ("traefik.io", "monitoring.coreos.com", "cert-manager.io")
VALUE_SETS = {"defaults": {}, "all-on": ALL_ON}
MEMORY_BUDGET_BYTES = 6 * 1024**3  # the nine services within the spec's 6 GiB (section 7.2)


def _bytes(quantity: str) -> int:
    units = {"Mi": 1024**2, "Gi": 1024**3}
    return int(quantity[:-2]) * units[quantity[-2:]]


def _strict(schema: Any) -> Any:
    """A CRD schema that refuses unknown fields where it lists properties (kubernetes-validate's --strict)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if "properties" in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_helm_lint_strict_is_clean(values):
    report = helm.lint(CHART, deepcopy(values), strict=True, kube_version=f"v{KUBE_VERSIONS[0]}")
    assert report["errors"] == []
    assert report["messages"] == []


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_core_objects_pass_kubernetes_validate_strict(values, kube_version):
    for doc in manifests(values):
        if doc["apiVersion"].split("/")[0] in CUSTOM_GROUPS:
            continue
        kubernetes_validate.validate(doc, kube_version, strict=True)


def test_custom_objects_pass_their_projects_crd_schemas():
    docs = [d for d in manifests(ALL_ON) if d["apiVersion"].split("/")[0] in CUSTOM_GROUPS]
    kinds = {(d["apiVersion"], d["kind"]) for d in docs}
    assert kinds == {("traefik.io/v1alpha1", "IngressRoute"), ("traefik.io/v1alpha1", "Middleware"),
                     ("traefik.io/v1alpha1", "TLSOption"), ("monitoring.coreos.com/v1", "ServiceMonitor"),
                     ("monitoring.coreos.com/v1", "PrometheusRule"), ("cert-manager.io/v1", "Certificate")}
    for doc in docs:
        group, version = doc["apiVersion"].split("/")
        schema = json.loads((CRD_SCHEMAS / f"{group}_{version}_{doc['kind'].lower()}.json").read_text())
        jsonschema.Draft7Validator(_strict(schema)).validate(doc)


def test_a_crd_schema_refuses_an_unknown_field():
    schema = json.loads((CRD_SCHEMAS / "traefik.io_v1alpha1_tlsoption.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(_strict(schema)).validate(
            {"apiVersion": "traefik.io/v1alpha1", "kind": "TLSOption", "metadata": {"name": "x"},
             "spec": {"minTLSVersion": "VersionTLS13"}})


def test_the_chart_wiring_is_generated_from_the_service_matrix():
    from scripts.chart_wiring import WIRING_FILE, chart_wiring

    assert WIRING_FILE.read_text() == chart_wiring(), "run: python scripts/chart_wiring.py"


def test_the_values_schema_names_exactly_the_services():
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["properties"]["services"]["propertyNames"]["enum"] == [s.value for s in ServiceName]


def test_the_values_schema_refuses_a_memory_limit_the_alerts_cannot_read():
    with helm.Chart.load(CHART) as chart, pytest.raises(helm.HelmValuesError):
        chart.validate_schema({"resources": {"limits": {"memory": "0.5G"}}})


def test_a_deployment_and_service_per_service_with_their_ports_and_probes():
    docs = manifests()
    deployments = {component(d): d for d in of_kind(docs, "Deployment") if component(d) != "redis"}
    services = {component(d): d for d in of_kind(docs, "Service") if component(d) != "redis"}
    assert set(deployments) == set(services) == {s.value for s in ServiceName}
    for name, dep in deployments.items():
        (container,) = dep["spec"]["template"]["spec"]["containers"]
        port = PORTS[ServiceName(name)]
        assert container["command"][:3] == ["uvicorn", f"services.{name}.app:build_app", "--factory"]
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert container["livenessProbe"]["httpGet"]["path"] == "/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health"
        assert services[name]["spec"]["ports"][0]["port"] == port
        env = {e["name"] for e in container["env"]}
        assert ("DATABASE_URL" in env) == WIRING[ServiceName(name)].uses_database


# The pods that call the Kubernetes API with the operator on, each as its own service account: the operator,
# and Workflow (it patches the RiskParameters object). Every other pod gets no token.
TOKEN_HOLDERS = {"catalyst-operator", "catalyst-workflow"}


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_every_pod_is_locked_down(values):
    operator = values.get("operator", {}).get("enabled", False)
    for name, spec in pod_specs(manifests(values)):
        if operator and name in TOKEN_HOLDERS:
            assert spec["automountServiceAccountToken"] is True, name
            assert spec["serviceAccountName"] == name, name
        else:
            assert spec["automountServiceAccountToken"] is False, name
            assert "serviceAccountName" not in spec, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"] == {"drop": ["ALL"]}, name
            assert container["resources"]["limits"]["memory"], name


def test_the_nine_services_fit_the_memory_budget():
    docs = manifests()
    limits = [_bytes(c["resources"]["limits"]["memory"]) for d in of_kind(docs, "Deployment")
              if component(d) != "redis" for c in d["spec"]["template"]["spec"]["containers"]]
    assert len(limits) == len(ServiceName)
    assert sum(limits) <= MEMORY_BUDGET_BYTES


def test_every_object_has_the_recommended_labels():
    for doc in manifests(ALL_ON):
        labels = doc["metadata"]["labels"]
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                    "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"):
            assert key in labels, (doc["kind"], doc["metadata"]["name"], key)


def test_the_generated_secret_holds_every_key_the_settings_read_and_values_hold_none():
    (secret,) = of_kind(manifests(), "Secret")
    secret_aliases = {f.alias for f in Settings.model_fields.values() if f.annotation is SecretStr}
    assert len(secret_aliases) == len(IDENTITIES) + 1  # each identity's key and the approval secret
    assert secret_aliases <= set(secret["data"])
    assert {f.alias for f in OrchestrationSettings.model_fields.values()
            if "SecretStr" in str(f.annotation)} <= set(secret["data"])
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    assert defaults["secrets"] == {"existingSecret": "", "credentialsSecret": ""}


def test_each_service_pod_reads_its_environment_as_production_settings():
    docs = manifests()
    (config,) = [c for c in of_kind(docs, "ConfigMap") if component(c) == "config"]
    (secret,) = of_kind(docs, "Secret")
    keys = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    for dep in of_kind(docs, "Deployment"):
        if component(dep) == "redis":
            continue
        service = ServiceName(component(dep))
        (container,) = dep["spec"]["template"]["spec"]["containers"]
        own = {e["name"]: e.get("value", "postgresql://catalyst@db/catalyst") for e in container["env"]}
        env = {**config["data"], **keys, **own}
        settings = Settings(**env)
        assert settings.env == "production"  # so no development key got through
        assert settings.service is service
        assert settings.listen_port == PORTS[service]
        assert settings.redis_url == "redis://catalyst-redis:6379/0"
        for peer in WIRING[service].peers:
            assert settings.service_url(peer) == f"http://catalyst-{peer.value}:{PORTS[peer]}"
        assert OrchestrationSettings(**env).dev_secrets() == []


def test_an_existing_secret_replaces_the_generated_one():
    docs = manifests({"secrets": {"existingSecret": "mine"}})
    assert of_kind(docs, "Secret") == []
    for _name, spec in pod_specs(docs):
        refs = [e["secretRef"]["name"] for c in spec["containers"] for e in c.get("envFrom", []) if "secretRef" in e]
        assert set(refs) <= {"mine"}


def test_the_phase_cronjobs():
    jobs = {j["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"][2]: j
            for j in of_kind(manifests(), "CronJob")}
    assert {k: j["spec"]["schedule"] for k, j in jobs.items()} == {
        "pre_market_scan": "0 8 * * 1-5", "market_open": "30 9 * * 1-5",
        "monitor": "* 9-15 * * 1-5", "market_close": "30 12,15 * * 1-5"}
    for job in jobs.values():
        spec = job["spec"]
        assert spec["timeZone"] == "America/New_York"
        assert spec["concurrencyPolicy"] == "Forbid"
        assert spec["startingDeadlineSeconds"] > 0
        assert spec["successfulJobsHistoryLimit"] >= 0
        assert spec["failedJobsHistoryLimit"] >= 0
        (container,) = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env["WORKFLOW_URL"]["value"] == f"http://catalyst-workflow:{PORTS[ServiceName.WORKFLOW]}"
        assert env["OPERATOR_API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "OPERATOR_API_KEY"


def test_only_the_mcp_endpoint_is_exposed_over_tls_13():
    docs = manifests()
    assert of_kind(docs, "Ingress") == []
    assert all(s["spec"]["type"] == "ClusterIP" for s in of_kind(docs, "Service"))
    routes = {r["metadata"]["name"]: r for r in of_kind(docs, "IngressRoute")}
    secure, plain = routes["catalyst-mcp"], routes["catalyst-mcp-http"]
    for route in (secure, plain):
        (rule,) = route["spec"]["routes"]
        assert rule["match"] == "Host(`mcp.example.com`) && PathPrefix(`/mcp`)"
        assert rule["services"] == [{"kind": "Service", "name": "catalyst-orchestration", "port": 5000}]
    assert secure["spec"]["entryPoints"] == ["websecure"]
    assert secure["spec"]["tls"]["options"]["name"] == "catalyst-tls13"
    assert plain["spec"]["entryPoints"] == ["web"]
    middlewares = {m["metadata"]["name"]: m["spec"] for m in of_kind(docs, "Middleware")}
    assert secure["spec"]["routes"][0]["middlewares"] == [{"name": "catalyst-mcp-auth"}]
    assert middlewares["catalyst-mcp-auth"]["forwardAuth"]["address"] == (
        f"http://catalyst-orchestration.catalyst.svc:5000{AUTH_PATH}")
    assert plain["spec"]["routes"][0]["middlewares"] == [{"name": "catalyst-https-redirect"}]
    assert middlewares["catalyst-https-redirect"]["redirectScheme"]["scheme"] == "https"
    (option,) = of_kind(docs, "TLSOption")
    assert option["spec"]["minVersion"] == "VersionTLS13"


def test_the_certificate_is_cert_managers_only_when_enabled():
    assert of_kind(manifests(), "Certificate") == []
    (cert,) = of_kind(manifests(ALL_ON), "Certificate")
    assert cert["spec"]["secretName"] == "catalyst-mcp-tls"
    assert cert["spec"]["dnsNames"] == ["mcp.example.com"]


def test_prometheus_operator_objects_follow_its_api():
    # Offline the engine's capabilities have no monitoring.coreos.com/v1: auto renders none.
    assert of_kind(manifests(), "ServiceMonitor") == of_kind(manifests(), "PrometheusRule") == []
    docs = manifests({"monitoring": {"prometheusOperator": "always"}})
    (monitor,) = of_kind(docs, "ServiceMonitor")
    assert monitor["spec"]["selector"]["matchExpressions"][0]["values"] == sorted(s.value for s in ServiceName)
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert len(of_kind(docs, "PrometheusRule")) == 1


def test_dashboards_are_configmaps_for_the_grafana_sidecar():
    boards = [c for c in of_kind(manifests(), "ConfigMap") if component(c) == "dashboards"]
    assert {b["metadata"]["name"] for b in boards} == {
        f"catalyst-dashboard-{name}" for name in ("trading", "risk", "services", "mcp")}
    for board in boards:
        assert board["metadata"]["labels"]["grafana_dashboard"] == "1"
        (text,) = board["data"].values()
        assert json.loads(text)["panels"]


def test_postgresql_in_cluster_and_the_migrations_hook():
    docs = manifests()
    assert of_kind(docs, "StatefulSet") == []
    (job,) = of_kind(docs, "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-m", "catalyst.db.migrate"]
    docs = manifests(ALL_ON)
    (pg,) = of_kind(docs, "StatefulSet")
    assert pg["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "10Gi"
    (job,) = of_kind(docs, "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"


def test_the_helm_test_pod_calls_every_health():
    (pod,) = of_kind(manifests(), "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    urls = pod["spec"]["containers"][0]["command"][3:]
    assert urls == [f"http://catalyst-{s}:{PORTS[ServiceName(s)]}/health" for s in sorted(s.value for s in ServiceName)]


def test_notes_tell_how_to_reach_mcp_connect_claude_and_edit_limits():
    notes = rendered_files()["catalyst/templates/NOTES.txt"]
    assert "https://mcp.example.com/mcp" in notes
    assert "Claude Desktop" in notes
    assert "risk limits" in notes
