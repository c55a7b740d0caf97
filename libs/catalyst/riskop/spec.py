"""The object's parameter set as the Risk Manager's model sees it, what differs from the active set,
and who edited it: pure, so the operator's decisions are unit-tested without a cluster."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from catalyst.domain.risk import RiskParameters
from catalyst.riskop.resource import (
    EDITOR_ANNOTATION,
    EDITOR_SPEC_ANNOTATION,
    REQUESTED_BY_ANNOTATION,
    REQUESTED_SPEC_ANNOTATION,
)

# The field manager ``catalyst.riskop.cluster`` patches with: its edits name their requester in an annotation.
CLUSTER_FIELD_MANAGER = "catalyst-workflow"


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
    """``field: active → wanted`` for every field that differs, in the model's order, each value as the
    resource spells it (its JSON: ``2000.0``, not a ``Decimal``'s repr)."""
    before, after = active.model_dump(mode="json"), wanted.model_dump(mode="json")
    return [f"{name}: {before[name]!r} → {after[name]!r}" for name in RiskParameters.model_fields
            if getattr(active, name) != getattr(wanted, name)]


def digest(parameters: RiskParameters) -> str:
    """A short digest of a set, the same whatever JSON spelling carried it (``2000`` or ``2000.0``)."""
    return hashlib.sha256(parameters.model_dump_json().encode()).hexdigest()[:16]


def spec_digest(spec: Mapping[str, Any]) -> str:
    """:func:`digest` of the set ``spec`` means; of its JSON when the model refuses it (never applied)."""
    checked = check_spec(spec)
    if isinstance(checked, RiskParameters):
        return digest(checked)
    return hashlib.sha256(json.dumps(dict(spec), sort_keys=True, default=str).encode()).hexdigest()[:16]


EDITOR_KEYS = (EDITOR_ANNOTATION, EDITOR_SPEC_ANNOTATION)


def editor_annotations(*, old: Mapping[str, Any] | None, new: Mapping[str, Any],
                       username: str) -> dict[str, str | None] | None:
    """What the admission webhook writes on a create or update of the object ``new`` (``old`` before
    it): the user and the set they wrote when the set changes; otherwise the record as it was (an
    edit of the record alone is undone; ``None`` removes a key), or None when nothing is to change
    (the operator's own metadata and status writes keep the editor)."""
    new_spec = new.get("spec") or {}
    if old is None or spec_digest(old.get("spec") or {}) != spec_digest(new_spec):
        return {EDITOR_ANNOTATION: username[:200], EDITOR_SPEC_ANNOTATION: spec_digest(new_spec)}
    before = (old.get("metadata") or {}).get("annotations") or {}
    after = (new.get("metadata") or {}).get("annotations") or {}
    kept = {key: before.get(key) for key in EDITOR_KEYS}
    return None if all(after.get(key) == value for key, value in kept.items()) else kept


def _spec_edits(managed_fields: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [m for m in managed_fields if "f:spec" in (m.get("fieldsV1") or {})]


def _for(annotations: Mapping[str, str], key: str, spec_key: str, wrote: str) -> str | None:
    """An annotation's value while the object still holds the set it was written with."""
    value = annotations.get(key)
    return value if value and annotations.get(spec_key) == wrote else None


def edited_by(metadata: Mapping[str, Any], parameters: RiskParameters) -> str:
    """Who made the object hold ``parameters``, for the Risk Manager's ``applied_by``:
    ``k8s:<user>`` and, for a change made through Workflow, `` for <requester>``.

    The user is the API server's own (the operator's admission webhook records it). Without the
    webhook the API server (1.20) records no user on an object, only each writer's field manager and
    when it last wrote (to the second): the latest spec writer's then, ``k8s:kubectl-edit`` …
    """
    annotations = metadata.get("annotations") or {}
    wrote = digest(parameters)
    requester = _for(annotations, REQUESTED_BY_ANNOTATION, REQUESTED_SPEC_ANNOTATION, wrote)
    user = _for(annotations, EDITOR_ANNOTATION, EDITOR_SPEC_ANNOTATION, wrote)
    if user is None and requester is not None:
        user = CLUSTER_FIELD_MANAGER
    if user is None:
        edits = sorted(_spec_edits(metadata.get("managedFields") or []), key=lambda m: str(m.get("time") or ""))
        user = str(edits[-1].get("manager") or "unknown") if edits else "unknown"
    return (f"k8s:{user}" + (f" for {requester}" if requester else ""))[:200]
