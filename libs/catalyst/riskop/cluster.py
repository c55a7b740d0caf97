"""The authoritative RiskParameters object through the Kubernetes API: how Workflow changes the
limits when it runs in a cluster (the MCP tool ``update_risk_parameter`` through Orchestration, the REST
``PUT``), so that the object stays the one truth and the operator applies it.

The new set is checked by the Risk Manager's model first (a bad one is ``InvalidInput`` naming the
field, and the object is not touched), then written as a merge patch conditional on the object's
``resourceVersion`` (a concurrent edit is read again, never overwritten), by the field manager
``catalyst-workflow`` with the requester and the set's digest in annotations: the operator passes
the requester to the Risk Manager's history as ``applied_by`` while the object holds that set.
Workflow's service account needs ``get`` and ``patch`` on that one object (``resourceNames``) only.
Any other answer of the API server is an ``UpstreamError`` naming its status (a 403: the Role is missing),
an API server that cannot be reached ``ServiceUnavailable``: never an unhandled exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from catalyst.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable, UpstreamError
from catalyst.riskop.resource import GROUP, PLURAL, REQUESTED_BY_ANNOTATION, REQUESTED_SPEC_ANNOTATION, VERSION
from catalyst.riskop.spec import CLUSTER_FIELD_MANAGER, SpecErrors, check_spec, digest

CONFLICT_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class ObjectRef:
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class Patched:
    """The object after the patch: the operator reports on ``generation`` in ``status.observedGeneration``."""

    generation: int
    spec: dict[str, Any]


def custom_objects(kubeconfig: str | None = None) -> k8s.CustomObjectsApi:
    """The API client: from ``kubeconfig`` when given, else the pod's service account (in a cluster)."""
    if kubeconfig is None:
        configuration = k8s.Configuration()
        k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        return k8s.CustomObjectsApi(k8s.ApiClient(configuration))
    return k8s.CustomObjectsApi(k8s_config.new_client_from_config(config_file=kubeconfig))  # type: ignore[no-untyped-call]


def _refused(errors: SpecErrors) -> InvalidInput:
    fields = sorted({f for f, _ in errors.errors})
    return InvalidInput(f"invalid risk parameters: {errors.message}", code="INVALID_RISK_PARAMETERS",
                        details={"fields": fields, "errors": [{"field": f, "message": m} for f, m in errors.errors]})


def _patch_once(api: k8s.CustomObjectsApi, ref: ObjectRef, changes: Mapping[str, Any], *, requested_by: str,
                replace: bool) -> Patched:
    current = cast(dict[str, Any], api.get_namespaced_custom_object(GROUP, VERSION, ref.namespace, PLURAL, ref.name))
    wanted = check_spec(dict(changes) if replace else {**current.get("spec", {}), **changes})
    if isinstance(wanted, SpecErrors):
        raise _refused(wanted)
    body = {"metadata": {"resourceVersion": current["metadata"]["resourceVersion"],
                         "annotations": {REQUESTED_BY_ANNOTATION: requested_by,
                                         REQUESTED_SPEC_ANNOTATION: digest(wanted)}},
            "spec": wanted.model_dump(mode="json")}
    patched = cast(dict[str, Any], api.patch_namespaced_custom_object(
        GROUP, VERSION, ref.namespace, PLURAL, ref.name, body, field_manager=CLUSTER_FIELD_MANAGER))
    return Patched(int(patched["metadata"]["generation"]), dict(patched["spec"]))


def _unanswered(ref: ObjectRef, exc: ApiException | HTTPError) -> UpstreamError | ServiceUnavailable:
    """What a caller sees of an API server that refused for another reason, or could not be reached."""
    where = {"namespace": ref.namespace, "name": ref.name}
    if isinstance(exc, ApiException):
        return UpstreamError(f"the Kubernetes API answered {exc.status} {exc.reason} for RiskParameters "
                             f"{ref.namespace}/{ref.name}", code="KUBERNETES_API_ERROR",
                             details={**where, "status": exc.status})
    return ServiceUnavailable(f"the Kubernetes API could not be reached: {exc}", code="KUBERNETES_API_UNAVAILABLE",
                              details=where)


def patch_parameters_sync(api: k8s.CustomObjectsApi, ref: ObjectRef, changes: Mapping[str, Any], *,
                          requested_by: str, replace: bool = False) -> Patched:
    """Change the object's set: ``changes`` merged into it (the MCP tool's one field), or, with
    ``replace``, the whole set (the REST PUT: absent fields take the defaults)."""
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return _patch_once(api, ref, changes, requested_by=requested_by, replace=replace)
        except HTTPError as exc:
            raise _unanswered(ref, exc) from None
        except ApiException as exc:
            if exc.status == 404:
                raise NotFound(f"RiskParameters {ref.namespace}/{ref.name} does not exist",
                               details={"namespace": ref.namespace, "name": ref.name}) from None
            if exc.status == 422:  # refused by the CRD's schema (a bound the model shares)
                raise InvalidInput(f"refused by the API server: {exc.reason}", code="INVALID_RISK_PARAMETERS",
                                   details={"fields": [], "errors": [{"field": "(spec)", "message": str(exc.body)}]},
                                   ) from None
            if exc.status != 409:
                raise _unanswered(ref, exc) from None
            if attempt == CONFLICT_ATTEMPTS - 1:
                break
    raise Conflict(f"RiskParameters {ref.namespace}/{ref.name} kept changing under the patch")


async def patch_parameters(api: k8s.CustomObjectsApi, ref: ObjectRef, changes: Mapping[str, Any], *,
                           requested_by: str, replace: bool = False) -> Patched:
    """:func:`patch_parameters_sync` off the event loop (the Kubernetes client is blocking)."""
    return await asyncio.to_thread(patch_parameters_sync, api, ref, changes, requested_by=requested_by,
                                   replace=replace)


def _condition(status: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    found: Mapping[str, Any] = next((c for c in status.get("conditions") or [] if c.get("type") == kind), {})
    return found


async def wait_applied(api: k8s.CustomObjectsApi, ref: ObjectRef, generation: int, *, within_s: float = 10.0,
                       interval_s: float = 0.05) -> dict[str, Any]:
    """The object's status once the operator has applied ``generation`` (what a caller of
    :func:`patch_parameters` answers with: ``parameterVersion`` is the Risk Manager's version).

    ``InvalidInput`` when the operator refused it (its ``Invalid`` message), ``ServiceUnavailable``
    when it is not applied within ``within_s`` (the object keeps it: it is applied when it can be).
    """
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        try:
            obj = cast(dict[str, Any], await asyncio.to_thread(
                api.get_namespaced_custom_object, GROUP, VERSION, ref.namespace, PLURAL, ref.name))
        except (ApiException, HTTPError) as exc:
            raise _unanswered(ref, exc) from None
        status: dict[str, Any] = obj.get("status") or {}
        if int(status.get("observedGeneration") or 0) >= generation:
            if _condition(status, "Applied").get("status") == "True":
                return status
            invalid = _condition(status, "Invalid")
            if invalid.get("status") == "True":
                raise InvalidInput(f"refused by the risk operator: {invalid.get('message', '')}",
                                   code="INVALID_RISK_PARAMETERS", details={"fields": [], "errors": []})
        if asyncio.get_running_loop().time() >= deadline:
            pending = _condition(status, "Pending").get("message") or "no status for this generation yet"
            raise ServiceUnavailable(f"RiskParameters {ref.namespace}/{ref.name} generation {generation} "
                                     f"not applied within {within_s:g} s: {pending}", code="RISK_PARAMETERS_PENDING",
                                     details={"namespace": ref.namespace, "name": ref.name, "generation": generation})
        await asyncio.sleep(interval_s)
