"""The object's parameter set as the Risk Manager's model sees it, what differs from the active set,
and who edited it: pure, so the operator's decisions are unit-tested without a cluster."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from catalyst.domain.risk import RiskParameters
from catalyst.riskop.resource import EDITED_BY_ANNOTATION, EDITED_SPEC_ANNOTATION

# The field manager ``catalyst.riskop.cluster`` patches with: its edits name their requester in an annotation.
CLUSTER_FIELD_MANAGER = "catalyst-orchestration"


@dataclass(frozen=True, slots=True)
class SpecErrors:
    """A set the model refuses: each bad field and why (the cross-field rules name the later field)."""

    errors: tuple[tuple[str, str], ...]

    @property
    def message(self) -> str:
        return "; ".join(f"{field}: {why}" for field, why in self.errors)


def check_spec(spec: Mapping[str, Any]) -> RiskParameters | SpecErrors:
    """The set ``spec`` means (absent fields: the defaults), or every reason the model refuses it."""
    try:
        return RiskParameters.model_validate(dict(spec))
    except ValidationError as exc:
        return SpecErrors(tuple((".".join(str(p) for p in e["loc"]) or "(root)", e["msg"]) for e in exc.errors()))


def differences(wanted: RiskParameters, active: RiskParameters) -> list[str]:
    """``field: active → wanted`` for every field that differs, in the model's order."""
    return [f"{name}: {getattr(active, name)!r} → {getattr(wanted, name)!r}"
            for name in RiskParameters.model_fields if getattr(active, name) != getattr(wanted, name)]


def digest(parameters: RiskParameters) -> str:
    """A short digest of a set, the same whatever JSON spelling carried it (``2000`` or ``2000.0``)."""
    return hashlib.sha256(parameters.model_dump_json().encode()).hexdigest()[:16]


def _spec_edits(managed_fields: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [m for m in managed_fields if "f:spec" in (m.get("fieldsV1") or {})]


def edited_by(metadata: Mapping[str, Any], parameters: RiskParameters) -> str:
    """Who made the object's ``parameters``, for the Risk Manager's ``applied_by``.

    An edit made through ``catalyst.riskop.cluster`` (the MCP tool, the REST PUT) names its requester
    in an annotation, with a digest of the set it wrote: believed while the object still holds that
    set. Otherwise the API server (1.20) records no user on an object, only each writer's field
    manager and when it last wrote (to the second): the latest spec writer's, ``k8s:kubectl-edit``,
    ``k8s:kubectl-client-side-apply`` …
    """
    annotations = metadata.get("annotations") or {}
    requester = annotations.get(EDITED_BY_ANNOTATION)
    if requester and annotations.get(EDITED_SPEC_ANNOTATION) == digest(parameters):
        return f"k8s:{CLUSTER_FIELD_MANAGER}:{requester}"[:200]
    edits = sorted(_spec_edits(metadata.get("managedFields") or []), key=lambda m: str(m.get("time") or ""))
    if not edits:
        return "k8s:unknown"
    return f"k8s:{edits[-1].get('manager') or 'unknown'}"[:200]
