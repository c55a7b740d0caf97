"""Make the Risk Manager's active set equal to the authoritative object's, through its one validated
path (``PUT /api/v1/risk/parameters`` with the risk operator's key): the application service the
kopf handlers call.

Nothing is pushed when the active set already equals the object's (a resume after a restart, a
timer tick without drift), so the Risk Manager's version only moves for a real change. A Risk
Manager that cannot be reached is ``Pending`` (the handler retries with backoff); one that refuses
the set is ``Invalid`` and keeps its active set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from catalyst.clients.risk import RiskClient
from catalyst.errors import CatalystError, InvalidInput
from catalyst.logging import get_logger
from catalyst.riskop.conditions import Applied, Invalid, Outcome, Pending
from catalyst.riskop.spec import SpecErrors, check_spec, differences, edited_by

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What one reconcile did: its outcome, and the fields it changed on the Risk Manager."""

    outcome: Outcome
    changed: list[str] = field(default_factory=list)


class Reconciler:
    def __init__(self, risk: RiskClient, *, namespace: str, object_name: str):
        self._risk = risk
        self.namespace = namespace
        self.object_name = object_name
        self._one_at_a_time = asyncio.Lock()  # a handler and the timer never both push the same change

    def authoritative(self, namespace: str | None, name: str | None) -> bool:
        return (namespace, name) == (self.namespace, self.object_name)

    async def reconcile(self, *, namespace: str | None, name: str | None, spec: Mapping[str, Any],
                        metadata: Mapping[str, Any], why: str) -> Reconciled:
        """Check the object's set and push it if the Risk Manager's differs; ``why`` goes to its history."""
        async with self._one_at_a_time:
            return await self._reconcile(namespace=namespace, name=name, spec=spec, metadata=metadata, why=why)

    async def _reconcile(self, *, namespace: str | None, name: str | None, spec: Mapping[str, Any],
                         metadata: Mapping[str, Any], why: str) -> Reconciled:
        if not self.authoritative(namespace, name):
            return Reconciled(Invalid("NotAuthoritative", f"only {self.namespace}/{self.object_name} is applied; "
                                      f"this {namespace}/{name} is ignored"))
        wanted = check_spec(spec)
        if isinstance(wanted, SpecErrors):
            return Reconciled(Invalid("CrossFieldRule", wanted.message))
        try:
            active = await self._risk.parameters()
            changed = differences(wanted, active.parameters)
            if not changed:
                return Reconciled(Applied(active.version, active.applied_at, active.applied_by, pushed=False))
            applied_by = edited_by(metadata, wanted)
            pushed = await self._risk.update_parameters(
                wanted.model_dump(mode="json"), applied_by=applied_by, source="operator",
                reason=f"{why}: {', '.join(changed)}"[:1000])
        except InvalidInput as exc:
            return Reconciled(Invalid("RefusedByRiskManager", exc.message))
        except CatalystError as exc:  # unreachable, 5xx, breaker open, our key refused: try again later
            log.warning("risk_operator_push_failed", code=exc.code, error=exc.message)
            return Reconciled(Pending(f"{exc.code}: {exc.message}"))
        log.info("risk_operator_applied", version=pushed.version, applied_by=applied_by, changed=changed)
        return Reconciled(Applied(pushed.version, pushed.applied_at, pushed.applied_by, pushed=True), changed)
