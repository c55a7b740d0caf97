"""The names of the RiskParameters resource, spelled once for the CRD, the operator and its callers."""

from __future__ import annotations

GROUP = "catalyst.trading"
VERSION = "v1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "RiskParameters"
PLURAL = "riskparameters"
SINGULAR = "riskparameters"
SHORT_NAMES = ("riskparams", "rp")
CRD_NAME = f"{PLURAL}.{GROUP}"

# The one object the operator applies (in its own namespace); any other is refused with a condition.
DEFAULT_OBJECT_NAME = "catalyst-risk"

# Annotations of the object, each naming the digest of the set it is about (believed only while the
# object holds that set): the Kubernetes user who last changed the set (written by the operator's
# admission webhook from the API server's own userInfo), and who asked Workflow for it
# (``catalyst.riskop.cluster``); then the operator's own bookkeeping.
EDITOR_ANNOTATION = f"{GROUP}/editor"
EDITOR_SPEC_ANNOTATION = f"{GROUP}/editor-spec"
REQUESTED_BY_ANNOTATION = f"{GROUP}/requested-by"
REQUESTED_SPEC_ANNOTATION = f"{GROUP}/requested-spec"
KOPF_ANNOTATION_PREFIX = f"riskop.{GROUP}"
