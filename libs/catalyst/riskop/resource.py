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

# Annotations of the object: who asked for the change and a digest of the set it wrote (set by
# ``catalyst.riskop.cluster``; a person's ``kubectl edit`` is known by its field manager instead), and
# the operator's own bookkeeping.
EDITED_BY_ANNOTATION = f"{GROUP}/edited-by"
EDITED_SPEC_ANNOTATION = f"{GROUP}/edited-spec"
KOPF_ANNOTATION_PREFIX = f"riskop.{GROUP}"
