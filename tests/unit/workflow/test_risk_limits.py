"""Where Workflow's risk-parameter update goes: the setting naming the authoritative object, and the choice."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalyst.clients.risk import RiskClient
from catalyst.http import ServiceClient
from catalyst.riskop.cluster import ObjectRef
from catalyst.services import ServiceName
from catalyst.workflow.config import WorkflowSettings
from catalyst.workflow.risk_limits import RiskManagerLimits, object_ref, risk_limits


@pytest.mark.parametrize(("spelled", "ref"), [
    ("", None), ("catalyst/catalyst-risk", ObjectRef("catalyst", "catalyst-risk")),
    ("ns-1/limits.v1", ObjectRef("ns-1", "limits.v1"))])
def test_the_setting_names_a_namespace_and_an_object(spelled, ref):
    settings = WorkflowSettings.model_validate({"RISK_PARAMETERS_OBJECT": spelled})
    assert object_ref(settings.risk_parameters_object) == ref


@pytest.mark.parametrize("spelled", ["catalyst-risk", "Catalyst/risk", "a/b/c", "/risk", "ns/", "ns.x/risk"])
def test_a_malformed_object_is_refused_at_start_up(spelled):
    with pytest.raises(ValidationError):
        WorkflowSettings.model_validate({"RISK_PARAMETERS_OBJECT": spelled})


async def test_without_an_object_the_update_goes_to_the_risk_manager():
    client = ServiceClient(ServiceName.RISK, "http://127.0.0.1:9", "key")  # never called
    try:
        assert isinstance(risk_limits(WorkflowSettings(), RiskClient(client)), RiskManagerLimits)
    finally:
        await client.aclose()
