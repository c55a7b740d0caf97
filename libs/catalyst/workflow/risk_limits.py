"""Where Workflow's risk-parameter update goes (the MCP tool ``update_risk_parameter`` through Orchestration,
and the REST ``PUT``): one source of truth for the limits.

In a cluster ``RISK_PARAMETERS_OBJECT`` names the authoritative RiskParameters object: the update patches it
through the Kubernetes API (Workflow's own service account, allowed that one object) and answers once the
operator has applied it, so the Risk Manager never holds a set the object does not (anything else would be
drift, reverted). Outside a cluster the Risk Manager takes the set directly, through its one validated path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kubernetes import client as k8s

from catalyst.clients.risk import RiskClient
from catalyst.contracts.risk import ActiveParameters, ParametersUpdate
from catalyst.domain.risk import RiskParameters
from catalyst.riskop.cluster import ObjectRef, custom_objects, patch_parameters, wait_applied
from catalyst.workflow.config import WorkflowSettings


class RiskLimits(Protocol):
    async def update(self, update: ParametersUpdate, *, requested_by: str) -> ActiveParameters:
        """Make ``update``'s set the active one; answer the Risk Manager's active set after it."""
        ...


@dataclass(frozen=True)
class RiskManagerLimits:
    """Outside a cluster: straight to the Risk Manager."""

    risk: RiskClient

    async def update(self, update: ParametersUpdate, *, requested_by: str) -> ActiveParameters:
        return await self.risk.update_parameters(update.parameters, applied_by=requested_by, source=update.source,
                                                 reason=update.reason)


@dataclass(frozen=True)
class ClusterLimits:
    """In a cluster: the whole set onto the object (absent fields take the defaults, as the PUT says), then
    the operator's status for that generation. A refusal (the model's rules, which the operator applies
    too, or the CRD's schema) is ``InvalidInput`` and leaves the object as it was; an operator that has not
    applied it within ``wait_s`` is ``ServiceUnavailable`` (the object keeps it: applied when it can be)."""

    api: k8s.CustomObjectsApi
    ref: ObjectRef
    wait_s: float

    async def update(self, update: ParametersUpdate, *, requested_by: str) -> ActiveParameters:
        patched = await patch_parameters(self.api, self.ref, update.parameters, requested_by=requested_by,
                                         replace=True)
        status = await wait_applied(self.api, self.ref, patched.generation, within_s=self.wait_s)
        return ActiveParameters(version=status["parameterVersion"],
                                parameters=RiskParameters.model_validate(patched.spec),
                                applied_by=status["appliedBy"], source="operator", applied_at=status["appliedAt"],
                                reason=update.reason)


def object_ref(spelled: str) -> ObjectRef | None:
    """``<namespace>/<name>`` (the setting, already checked by its pattern); None when empty."""
    if not spelled:
        return None
    namespace, name = spelled.split("/", 1)
    return ObjectRef(namespace, name)


def risk_limits(settings: WorkflowSettings, risk: RiskClient) -> RiskLimits:
    """The object when the settings name one, else the Risk Manager."""
    ref = object_ref(settings.risk_parameters_object)
    if ref is None:
        return RiskManagerLimits(risk)
    kubeconfig = settings.risk_parameters_kubeconfig
    return ClusterLimits(custom_objects(None if kubeconfig is None else str(kubeconfig)), ref,
                         settings.risk_parameters_wait_s)
