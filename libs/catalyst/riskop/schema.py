"""The RiskParameters CRD, generated from the Risk Manager's own model, so that the API server refuses
what the model refuses field by field (name, type, bounds, enum) and fills the same defaults.

What a schema cannot state (a warning fraction below the critical one …) the model's cross-field
rules decide; the operator reports them as the ``Invalid`` condition (``catalyst.riskop.spec``).
The document is written to the chart by ``scripts/generate_crd.py`` (``make crd``); a test checks the
committed template equals ``crd_template()``. It sits in the chart's templates (not ``crds/``) so that ``helm
upgrade`` upgrades it, and Helm keeps it on uninstall so the limits are never deleted with a release.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from catalyst.domain.risk import RiskParameters
from catalyst.riskop import resource

# JSON Schema keywords of a field that OpenAPI v3 (structural schema) has as well, kept as they are.
_KEPT = ("type", "description", "default", "minimum", "maximum", "enum")

CONDITION_TYPES = ("Applied", "Invalid", "Pending")


def property_schema(field: dict[str, Any]) -> dict[str, Any]:
    """One model field's JSON Schema (pydantic, draft 2020-12) as an OpenAPI v3.0 property: the
    exclusive bounds, numbers there, become booleans beside ``minimum``/``maximum``."""
    out = {key: field[key] for key in _KEPT if key in field}
    if "enum" in out:
        out["type"] = "string"
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if exclusive in field:
            out[bound] = field[exclusive]
            out[exclusive] = True
    if "type" not in out:
        raise ValueError(f"no OpenAPI type for field schema {field}")
    return dict(sorted(out.items()))


def spec_schema(model: type[BaseModel] = RiskParameters) -> dict[str, Any]:
    """``spec``: every field of ``model``, none required (absent ones take the model's defaults)."""
    properties = model.model_json_schema(mode="validation")["properties"]
    return {
        "type": "object",
        "description": f"The Risk Manager's limits ({model.__name__}); an absent field takes its default",
        "properties": {name: property_schema(field) for name, field in properties.items()},
    }


def status_schema() -> dict[str, Any]:
    """What the operator writes back: which generation it saw, the Risk Manager's version, conditions."""
    condition = {
        "type": "object",
        "required": ["type", "status"],
        "properties": {
            "type": {"type": "string", "enum": list(CONDITION_TYPES)},
            "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
            "reason": {"type": "string"},
            "message": {"type": "string"},
            "lastTransitionTime": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "type": "object",
        "properties": {
            "observedGeneration": {"type": "integer", "description": "The generation the conditions are about"},
            "appliedGeneration": {"type": "integer", "description": "The last generation the Risk Manager took"},
            "parameterVersion": {"type": "integer", "description": "The Risk Manager's version of the active set"},
            "appliedAt": {"type": "string", "format": "date-time"},
            "appliedBy": {"type": "string", "description": "Who the Risk Manager's history records"},
            "conditions": {"type": "array", "items": condition},
        },
    }


PRINTER_COLUMNS: list[dict[str, Any]] = [
    {"name": "Daily-Loss", "type": "number", "jsonPath": ".spec.daily_loss_limit"},
    {"name": "Max-Position", "type": "number", "jsonPath": ".spec.max_position_pct"},
    {"name": "Max-Positions", "type": "integer", "jsonPath": ".spec.max_positions"},
    {"name": "Applied", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Applied")].status'},
    {"name": "Version", "type": "integer", "jsonPath": ".status.parameterVersion"},
    {"name": "Reason", "type": "string", "priority": 1,
     "jsonPath": '.status.conditions[?(@.type=="Applied")].reason'},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def crd() -> dict[str, Any]:
    """The CustomResourceDefinition (``apiextensions.k8s.io/v1``): namespaced, status subresource."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": resource.CRD_NAME,
            "annotations": {"helm.sh/resource-policy": "keep"},
        },
        "spec": {
            "group": resource.GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": resource.KIND,
                "plural": resource.PLURAL,
                "singular": resource.SINGULAR,
                "listKind": f"{resource.KIND}List",
                "shortNames": list(resource.SHORT_NAMES),
            },
            "versions": [{
                "name": resource.VERSION,
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": PRINTER_COLUMNS,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "description": "The Risk Manager's limits; the one object named by the operator is applied.",
                    "required": ["spec"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "metadata": {"type": "object"},
                        "spec": spec_schema(),
                        "status": status_schema(),
                    },
                }},
            }],
        },
    }


CRD_HEADER = ("{{- /* Generated by `make crd` (scripts/generate_crd.py) from catalyst.domain.risk.RiskParameters:\n"
              "     do not edit; a test checks it equals catalyst.riskop.schema.crd_template(). */}}\n"
              "{{- if .Values.operator.enabled }}\n")
CRD_FOOTER = "{{- end }}\n"
_LABELS_MARK = "__chart_labels__"
CHART_LABELS = '{{- include "catalyst.labels" (dict "ctx" $ "component" "operator") | nindent 4 }}'


def crd_template() -> str:
    """The CRD as the chart's template holds it: installed with the operator (``operator.enabled``),
    with the chart's labels; the rest is :func:`crd` as YAML."""
    doc = crd()
    doc["metadata"] = {"name": doc["metadata"]["name"], "labels": _LABELS_MARK, **doc["metadata"]}
    body = yaml.safe_dump(doc, sort_keys=False, width=120).replace(f"labels: {_LABELS_MARK}",
                                                                   f"labels:\n    {CHART_LABELS}")
    return CRD_HEADER + body + CRD_FOOTER
