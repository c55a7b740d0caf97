"""The CRD agrees with the Risk Manager's model field by field (names, types, bounds, enums, defaults),
read here off the model's own field metadata, and the committed chart file is the generated one."""

from __future__ import annotations

import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import annotated_types as at
import yaml

from catalyst.domain.risk import RiskParameters
from catalyst.riskop import resource
from catalyst.riskop.schema import CHART_LABELS, crd, crd_template
from tests.support.chart import ALL_ON, manifests

ROOT = Path(__file__).resolve().parents[3]
CRD_FILE = ROOT / "charts" / "catalyst" / "templates" / "crd-riskparameters.yaml"
EXAMPLE = ROOT / "manifests" / "riskparameters.yaml"


def _version() -> dict[str, Any]:
    (version,) = crd()["spec"]["versions"]
    return version


def _spec_properties() -> dict[str, Any]:
    return _version()["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]


def _expected(name: str) -> dict[str, Any]:
    """What the field's own annotation, bounds and default say, in OpenAPI v3.0 words (a money field's
    decimals are JSON numbers there)."""
    info = RiskParameters.model_fields[name]
    number = float if info.annotation is Decimal else (lambda v: v)
    out: dict[str, Any] = {"default": number(info.default), "description": info.description}
    if typing.get_origin(info.annotation) is typing.Literal:
        out |= {"type": "string", "enum": list(typing.get_args(info.annotation))}
    else:
        out["type"] = {float: "number", Decimal: "number", int: "integer"}[info.annotation]  # type: ignore[index]
    for bound in info.metadata:
        if isinstance(bound, at.Ge):
            out["minimum"] = number(bound.ge)
        elif isinstance(bound, at.Gt):
            out |= {"minimum": number(bound.gt), "exclusiveMinimum": True}
        elif isinstance(bound, at.Le):
            out["maximum"] = number(bound.le)
        elif isinstance(bound, at.Lt):
            out |= {"maximum": number(bound.lt), "exclusiveMaximum": True}
    return out


def test_the_spec_has_every_field_of_the_model_and_nothing_else():
    assert list(_spec_properties()) == list(RiskParameters.model_fields)


def test_each_field_has_the_models_type_bounds_enum_and_default():
    for name, schema in _spec_properties().items():
        assert schema == _expected(name), name


def test_the_bounds_the_model_has_are_all_stated():
    schema = _spec_properties()
    assert schema["max_position_pct"] == {**schema["max_position_pct"], "minimum": 0, "exclusiveMinimum": True,
                                          "maximum": 1}
    assert schema["prior_win_rate"]["exclusiveMaximum"] is True
    assert schema["unknown_correlation"]["enum"] == ["warn", "reject"]
    assert schema["max_positions"]["type"] == "integer"


def test_the_crd_is_namespaced_with_a_status_subresource_and_printer_columns():
    doc = crd()
    assert doc["metadata"]["name"] == resource.CRD_NAME == "riskparameters.catalyst.trading"
    assert doc["spec"]["scope"] == "Namespaced"
    version = _version()
    assert version["subresources"] == {"status": {}}
    columns = {c["name"]: c["jsonPath"] for c in version["additionalPrinterColumns"]}
    assert columns["Daily-Loss"] == ".spec.daily_loss_limit"
    assert columns["Applied"] == '.status.conditions[?(@.type=="Applied")].status'
    assert columns["Age"] == ".metadata.creationTimestamp"


def test_helm_keeps_the_crd_and_upgrades_it_from_the_templates():
    assert crd()["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert CRD_FILE.parent.name == "templates"


def test_the_committed_crd_is_the_generated_one():
    assert CRD_FILE.read_text() == crd_template(), "run `make crd`"
    lines = CRD_FILE.read_text().splitlines()
    assert lines[2] == "{{- if .Values.operator.enabled }}"
    assert lines[-1] == "{{- end }}"
    plain = [line for line in lines[3:-1] if line.strip() not in ("labels:", CHART_LABELS)]
    assert yaml.safe_load("\n".join(plain)) == crd()


def test_the_example_object_is_the_authoritative_one_and_valid():
    example = yaml.safe_load(EXAMPLE.read_text())
    assert example["apiVersion"] == resource.API_VERSION
    assert example["kind"] == resource.KIND
    assert example["metadata"]["name"] == resource.DEFAULT_OBJECT_NAME
    RiskParameters.model_validate(example["spec"])


def test_the_chart_installs_the_crd_with_the_operator_and_its_labels():
    rendered = [d for d in manifests(ALL_ON) if d["kind"] == "CustomResourceDefinition"]
    assert [d["metadata"]["name"] for d in rendered] == [resource.CRD_NAME]
    (doc,) = rendered
    assert doc["metadata"].pop("labels")["app.kubernetes.io/component"] == "operator"  # as the chart names it
    assert doc == crd()
    assert not [d for d in manifests({"operator": {"enabled": False}}) if d["kind"] == "CustomResourceDefinition"]
