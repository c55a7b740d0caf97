"""The RiskParameters custom resource and its operator's logic: in a cluster, the Kubernetes object
is the truth of the risk limits, and the operator (``operator/``) keeps the Risk Manager equal to it.

Pure: ``resource`` (names), ``schema`` (the CRD, generated from ``catalyst.domain.risk.RiskParameters``),
``spec`` (the object's set checked by the model, differences, who edited it), ``conditions`` (the
status written back). With I/O: ``reconciler`` (pushes a set to the Risk Manager through its one
validated path) and ``cluster`` (the Kubernetes API: the patch Workflow makes).
"""
