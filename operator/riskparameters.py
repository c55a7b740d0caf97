"""The kopf operator of the RiskParameters object: ``kopf run --standalone --namespace NS
--liveness http://0.0.0.0:8080/healthz operator/riskparameters.py``.

Thin: the handlers call ``catalyst.riskop`` (the reconcile, the status) and write what it answers.
On create, update and resume the object's set is pushed to the Risk Manager unless it already is its
active set; a Risk Manager that cannot be reached leaves the status ``Pending`` and the handler is
retried with backoff until it answers. A timer compares the two sets every ``RISKOP_DRIFT_INTERVAL``
seconds once the object's generation is applied, and puts back the object's set if anything else
changed the Risk Manager's, with a ``DriftReverted`` warning event naming what it reverted.

With ``RISKOP_WEBHOOK_CERT``/``RISKOP_WEBHOOK_KEY`` it also serves a mutating admission webhook
(``/record-editor``, failure policy Ignore: an edit never waits on the operator) that writes the
API server's user of each change of the set onto the object, for the Risk Manager's ``applied_by``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import kopf

from catalyst.clients.risk import RiskClient
from catalyst.config import Settings
from catalyst.environment import read
from catalyst.http import ServiceClient
from catalyst.logging import configure_logging
from catalyst.riskop import conditions
from catalyst.riskop.conditions import Applied, Pending
from catalyst.riskop.config import RiskOperatorSettings
from catalyst.riskop.reconciler import Reconciled, Reconciler
from catalyst.riskop.resource import GROUP, KOPF_ANNOTATION_PREFIX, PLURAL, VERSION
from catalyst.riskop.spec import editor_annotations
from catalyst.services import Operator, ServiceName

SETTINGS = read(Settings)
RISKOP = read(RiskOperatorSettings)


@kopf.on.startup()
async def start(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    configure_logging(Operator.RISK_OPERATOR.value, SETTINGS.log_level)
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_ANNOTATION_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=KOPF_ANNOTATION_PREFIX)
    settings.posting.level = logging.WARNING  # events: the operator's warnings and its own info events only
    settings.scanning.disabled = True  # one exact namespace, the CRD installed with it: no cluster-wide rights
    if RISKOP.webhook:  # the MutatingWebhookConfiguration is the chart's (no cluster-wide rights here either)
        settings.admission.server = kopf.WebhookServer(addr=RISKOP.webhook_addr, port=RISKOP.webhook_port,
                                                       certfile=str(RISKOP.webhook_cert_file),
                                                       pkeyfile=str(RISKOP.webhook_key_file))
    client = ServiceClient(ServiceName.RISK, SETTINGS.service_url(ServiceName.RISK),
                           SETTINGS.api_key(Operator.RISK_OPERATOR), timeout=SETTINGS.http_timeout_s,
                           attempts=1, breaker_recovery_s=RISKOP.retry_max_s)  # kopf retries, with backoff
    memo.http = client
    memo.reconciler = Reconciler(RiskClient(client), namespace=RISKOP.namespace, object_name=RISKOP.object_name)


@kopf.on.cleanup()
async def stop(memo: kopf.Memo, **_: Any) -> None:
    await memo.http.aclose()


def _write(result: Reconciled, *, meta: kopf.Meta, status: kopf.Status, patch: kopf.Patch) -> None:
    patch.status.update(conditions.status(result.outcome, generation=int(meta.get("generation") or 0),
                                          now=datetime.now(UTC), previous=dict(status)))


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")
async def apply(body: kopf.Body, spec: kopf.Spec, meta: kopf.Meta, status: kopf.Status, patch: kopf.Patch,
                reason: str, retry: int, memo: kopf.Memo, **_: Any) -> None:
    result = await memo.reconciler.reconcile(namespace=meta.namespace, name=meta.name, spec=dict(spec),
                                             metadata=dict(meta), why=f"RiskParameters {reason}")
    _write(result, meta=meta, status=status, patch=patch)
    if isinstance(result.outcome, Pending):
        raise kopf.TemporaryError(result.outcome.message, delay=RISKOP.retry_delay(retry))
    if isinstance(result.outcome, Applied) and result.outcome.pushed:
        kopf.info(body, reason="Applied", message=f"version {result.outcome.version}: {', '.join(result.changed)}")


def _is_authoritative(namespace: str | None, name: str | None, memo: kopf.Memo, **_: Any) -> bool:
    return bool(memo.reconciler.authoritative(namespace, name))


@kopf.timer(GROUP, VERSION, PLURAL, interval=RISKOP.drift_interval_s, when=_is_authoritative)
async def repair_drift(body: kopf.Body, spec: kopf.Spec, meta: kopf.Meta, status: kopf.Status, patch: kopf.Patch,
                       memo: kopf.Memo, **_: Any) -> None:
    if not conditions.settled(status, generation=int(meta.get("generation") or 0)):
        return  # the handler has not applied this generation yet: a difference now is no drift
    result = await memo.reconciler.reconcile(namespace=meta.namespace, name=meta.name, spec=dict(spec),
                                             metadata=dict(meta), why="drift repaired")
    _write(result, meta=meta, status=status, patch=patch)
    if result.changed:
        reverted = ", ".join(result.changed)
        kopf.warn(body, reason="DriftReverted",
                  message=f"the Risk Manager's set was changed outside this object; reverted {reverted}")


def record_editor(body: kopf.Body, userinfo: Mapping[str, object], patch: kopf.Patch, **kwargs: Any) -> None:
    """Admission: the user who changed the set, from the API server's own ``userInfo``."""
    old = kwargs.get("old")  # the object before an UPDATE; None on CREATE
    written = editor_annotations(old=None if old is None else dict(old), new=dict(body),
                                 username=str(userinfo.get("username")))
    if written:
        patch.metadata.annotations.update(written)


if RISKOP.webhook:  # kopf refuses to start with admission handlers and no server
    kopf.on.mutate(GROUP, VERSION, PLURAL, id="record-editor", operations=["CREATE", "UPDATE"],
                   ignore_failures=True)(record_editor)
