"""The status the operator writes: one outcome of a reconcile becomes the three conditions
(``Applied``, ``Invalid``, ``Pending``) and the Risk Manager's version; pure.

A condition keeps its ``lastTransitionTime`` while its status stays the same, so a repeated outcome
(the drift timer, a resume) does not look like a new change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

ConditionType = Literal["Applied", "Invalid", "Pending"]


@dataclass(frozen=True, slots=True)
class Applied:
    """The Risk Manager's active set equals the object's (pushed now, or already so)."""

    version: int
    applied_at: datetime
    applied_by: str
    pushed: bool


@dataclass(frozen=True, slots=True)
class Invalid:
    """Refused: a cross-field rule, the Risk Manager's validation, or not the authoritative object."""

    reason: Literal["CrossFieldRule", "RefusedByRiskManager", "NotAuthoritative"]
    message: str


@dataclass(frozen=True, slots=True)
class Pending:
    """Not applied yet: the Risk Manager could not be reached; retried with backoff."""

    message: str


Outcome = Applied | Invalid | Pending


def _states(outcome: Outcome) -> dict[ConditionType, tuple[bool, str, str]]:
    """Each condition's (status, reason, message) for ``outcome``."""
    if isinstance(outcome, Applied):
        done = f"version {outcome.version} is the Risk Manager's active set"
        return {"Applied": (True, "Applied", done), "Invalid": (False, "Valid", ""), "Pending": (False, "Applied", "")}
    if isinstance(outcome, Invalid):
        kept = outcome.reason == "NotAuthoritative"
        applied = "this object is ignored" if kept else "the Risk Manager's active set is unchanged"
        return {"Applied": (False, outcome.reason, applied), "Invalid": (True, outcome.reason, outcome.message),
                "Pending": (False, outcome.reason, "")}
    return {"Applied": (False, "Pending", "not applied yet"), "Invalid": (False, "Valid", ""),
            "Pending": (True, "RiskManagerUnreachable", outcome.message)}


def conditions(outcome: Outcome, *, now: datetime, previous: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """The conditions for ``outcome``, each keeping its previous transition time if its status held."""
    before = {c.get("type"): c for c in previous}
    out = []
    for kind, (status, reason, message) in _states(outcome).items():
        value = "True" if status else "False"
        old = before.get(kind) or {}
        since = old.get("lastTransitionTime") if old.get("status") == value else None
        condition = {"type": kind, "status": value, "reason": reason,
                     "lastTransitionTime": since or now.isoformat().replace("+00:00", "Z")}
        out.append(condition | ({"message": message} if message else {}))  # kopf's patch drops an empty one
    return out


_KEPT_WHEN_NOT_APPLIED = ("appliedGeneration", "parameterVersion", "appliedBy", "appliedAt")


def status(outcome: Outcome, *, generation: int, now: datetime,
           previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The whole ``status`` for ``outcome``: a refused or pending set keeps the last applied version."""
    prev = dict(previous or {})
    out: dict[str, Any] = {
        "observedGeneration": generation,
        "conditions": conditions(outcome, now=now, previous=prev.get("conditions") or ()),
    }
    if isinstance(outcome, Applied):
        out |= {"appliedGeneration": generation, "parameterVersion": outcome.version,
                "appliedBy": outcome.applied_by, "appliedAt": outcome.applied_at.isoformat().replace("+00:00", "Z")}
    else:
        out |= {k: prev[k] for k in _KEPT_WHEN_NOT_APPLIED if k in prev}
    return out


def settled(status: Mapping[str, Any], *, generation: int) -> bool:
    """Whether the object's current generation has been applied: only then is a difference on the
    Risk Manager drift (before, the create/update handler is still applying it, or retrying). It stays
    so while the Risk Manager is unreachable afterwards, so the timer keeps comparing until it is back."""
    return status.get("appliedGeneration") == generation
