"""The Helm chart rendered by a real Helm engine (helm-python-sdk: Helm v4's library, no binary), and
what its tests read off the manifests: objects by kind, pod specs, metric names in PromQL.

Renders are cached per values set, so each one happens once per test session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "catalyst"
RELEASE = "catalyst"
NAMESPACE = "catalyst"
# The chart's kubeVersion floor and the newest Kubernetes kubernetes-validate knows.
KUBE_VERSIONS = ("1.31.0", "1.37.0")

# Every option on: in-cluster PostgreSQL, cert-manager, the Prometheus Operator objects, credentials, the operator.
ALL_ON: dict[str, Any] = {
    "operator": {"enabled": True},
    "postgresql": {"enabled": True},
    "ingress": {"tls": {"certManager": {"enabled": True}}},
    "monitoring": {"prometheusOperator": "always"},
    "secrets": {"credentialsSecret": "catalyst-credentials"},
    "config": {"BROKER": "alpaca", "NEWS_SOURCES": "alpaca,sec_edgar"},
}


@cache
def _render(values_json: str) -> tuple[tuple[str, str], ...]:
    import helm_python as helm

    with helm.Chart.load(CHART) as chart:
        rendered = chart.render(values=json.loads(values_json), name=RELEASE, namespace=NAMESPACE, is_install=True)
    return tuple(sorted(rendered.items()))


def rendered_files(values: dict[str, Any] | None = None) -> dict[str, str]:
    """Template path -> rendered text (NOTES.txt included)."""
    return dict(_render(json.dumps(values or {}, sort_keys=True)))


def manifests(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object the chart renders with ``values``."""
    docs: list[dict[str, Any]] = []
    for path, text in rendered_files(values).items():
        if path.endswith(".yaml"):
            docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def component(doc: dict[str, Any]) -> str:
    return str(doc["metadata"]["labels"]["app.kubernetes.io/component"])


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(object name, pod spec) of every workload: Deployments, StatefulSets, Jobs, CronJobs, Pods."""
    for d in docs:
        spec = d.get("spec", {})
        if d["kind"] == "Pod":
            yield d["metadata"]["name"], spec
        elif d["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield d["metadata"]["name"], spec["template"]["spec"]
        elif d["kind"] == "CronJob":
            yield d["metadata"]["name"], spec["jobTemplate"]["spec"]["template"]["spec"]


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}|\[[^\]]*\]")
_GROUPINGS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
             "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, labels, keywords and strings left out)."""
    bare = _GROUPINGS.sub(" ", _MATCHERS.sub(" ", _STRINGS.sub(" ", expr)))
    return {n for n in _NAME.findall(bare) if n.lower() not in _KEYWORDS}


def rule_exprs(docs: list[dict[str, Any]]) -> dict[str, str]:
    """Alert name (with its position, as several share a name) -> expression, from the PrometheusRule."""
    (rule,) = of_kind(docs, "PrometheusRule")
    return {f"{r['alert']}#{i}": r["expr"] for group in rule["spec"]["groups"]
            for i, r in enumerate(group["rules"])}


def dashboards() -> dict[str, dict[str, Any]]:
    """Dashboard name -> its Grafana JSON, as the chart ships it."""
    return {p.stem: json.loads(p.read_text()) for p in sorted((CHART / "dashboards").glob("*.json"))}


def dashboard_exprs(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
