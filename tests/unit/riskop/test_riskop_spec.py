"""The object's set as the model sees it: cross-field rules, differences, who edited it."""

from __future__ import annotations

from catalyst.domain.risk import RiskParameters
from catalyst.riskop.resource import (
    EDITOR_ANNOTATION,
    EDITOR_SPEC_ANNOTATION,
    REQUESTED_BY_ANNOTATION,
    REQUESTED_SPEC_ANNOTATION,
)
from catalyst.riskop.spec import (
    CLUSTER_FIELD_MANAGER,
    SpecErrors,
    check_spec,
    differences,
    digest,
    edited_by,
    editor_annotations,
    spec_digest,
)


def test_a_partial_spec_takes_the_models_defaults():
    assert check_spec({"max_positions": 3}) == RiskParameters(max_positions=3)


def test_a_cross_field_error_names_the_later_field_and_why():
    refused = check_spec({"warning_fraction": 0.9, "critical_fraction": 0.8})
    assert isinstance(refused, SpecErrors)
    assert refused.errors == (("critical_fraction", "Value error, must be above warning_fraction (0.9)"),)
    assert refused.message == "critical_fraction: Value error, must be above warning_fraction (0.9)"


def test_every_bad_field_is_named():
    refused = check_spec({"max_positions": 0, "kelly_lookback_trades": 10, "kelly_min_trades": 11})
    assert isinstance(refused, SpecErrors)
    assert [f for f, _ in refused.errors] == ["max_positions", "kelly_min_trades"]


def test_differences_name_each_changed_field_from_active_to_wanted():
    active = RiskParameters()
    assert differences(active, active) == []
    wanted = RiskParameters(max_positions=3, daily_loss_limit=1500.0)
    assert differences(wanted, active) == ["daily_loss_limit: 2000.0 → 1500.0", "max_positions: 5 → 3"]


def _edit(manager: str, time: str, fields: dict[str, object] | None = None) -> dict[str, object]:
    return {"manager": manager, "operation": "Update", "time": time,
            "fieldsV1": fields if fields is not None else {"f:spec": {"f:max_positions": {}}}}


def test_the_editor_is_the_field_manager_of_the_latest_spec_edit():
    meta = {"managedFields": [
        _edit("kubectl-client-side-apply", "2026-12-03T06:00:00Z"),
        _edit("kubectl-edit", "2026-12-03T06:05:00Z"),
        _edit("kopf", "2026-12-03T06:06:00Z", {"f:status": {}}),  # the operator's status write is no edit
    ]}
    assert edited_by(meta, RiskParameters()) == "k8s:kubectl-edit"
    assert edited_by({}, RiskParameters()) == "k8s:unknown"


def test_the_webhooks_user_and_workflows_requester_count_while_the_object_holds_their_set():
    wrote = RiskParameters(max_positions=2)
    fields = [_edit("kubectl-edit", "2026-12-03T06:00:00Z"), _edit(CLUSTER_FIELD_MANAGER, "2026-12-03T06:00:00Z")]
    by_workflow = {REQUESTED_BY_ANNOTATION: "mcp:alice", REQUESTED_SPEC_ANNOTATION: digest(wrote)}
    by_user = {EDITOR_ANNOTATION: "system:serviceaccount:catalyst:catalyst-workflow",
               EDITOR_SPEC_ANNOTATION: digest(wrote)}
    meta = {"managedFields": fields, "annotations": by_workflow}
    assert edited_by(meta, wrote) == "k8s:catalyst-workflow for mcp:alice"
    meta = {"managedFields": fields, "annotations": by_workflow | by_user}
    assert edited_by(meta, wrote) == "k8s:system:serviceaccount:catalyst:catalyst-workflow for mcp:alice"
    meta = {"managedFields": fields, "annotations": {EDITOR_ANNOTATION: "alice", EDITOR_SPEC_ANNOTATION: digest(wrote)}}
    assert edited_by(meta, wrote) == "k8s:alice"
    edited_since = RiskParameters(max_positions=3)  # and no webhook saw it: the field manager it is
    assert edited_by({"managedFields": fields, "annotations": by_workflow | by_user}, edited_since) == (
        "k8s:catalyst-workflow")


def _object(spec: dict[str, object], annotations: dict[str, str] | None = None) -> dict[str, object]:
    return {"metadata": {"annotations": annotations or {}}, "spec": spec}


def test_the_webhook_writes_the_editor_only_when_the_set_changes():
    written = editor_annotations(old=None, new=_object({"max_positions": 2}), username="alice")
    assert written == {EDITOR_ANNOTATION: "alice", EDITOR_SPEC_ANNOTATION: digest(RiskParameters(max_positions=2))}
    before = _object({"max_positions": 2}, written)
    same_set = _object({"max_positions": 2, "account_equity": 100000}, written)  # the operator's own write
    assert editor_annotations(old=before, new=same_set, username="system:operator") is None
    changed = editor_annotations(old=before, new=_object({"max_positions": 3}, written), username="bob")
    assert changed is not None
    assert changed[EDITOR_ANNOTATION] == "bob"
    refused = {"warning_fraction": 0.9, "critical_fraction": 0.8}  # an invalid set has a digest too
    assert spec_digest(refused) == spec_digest(dict(reversed(refused.items())))


def test_an_edit_of_the_editor_record_alone_is_undone():
    written = {EDITOR_ANNOTATION: "alice", EDITOR_SPEC_ANNOTATION: digest(RiskParameters(max_positions=2))}
    before = _object({"max_positions": 2}, written)
    forged = _object({"max_positions": 2}, {**written, EDITOR_ANNOTATION: "someone-else"})
    assert editor_annotations(old=before, new=forged, username="mallory") == written
    planted = _object({"max_positions": 2}, {EDITOR_ANNOTATION: "bob", EDITOR_SPEC_ANNOTATION: "x"})
    assert editor_annotations(old=_object({"max_positions": 2}), new=planted, username="mallory") == {
        EDITOR_ANNOTATION: None, EDITOR_SPEC_ANNOTATION: None}


def test_the_digest_does_not_depend_on_how_json_spelled_the_numbers():
    assert digest(RiskParameters.model_validate({"account_equity": 100000})) == digest(RiskParameters())
    assert digest(RiskParameters(max_positions=2)) != digest(RiskParameters())
