"""The status one reconcile outcome becomes: three conditions, the version kept when not applied."""

from __future__ import annotations

from datetime import UTC, datetime

from catalyst.riskop.conditions import Applied, Invalid, Pending, conditions, settled, status
from catalyst.riskop.config import RiskOperatorSettings

T0 = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 3, 6, 5, tzinfo=UTC)


def _by_type(conds: list[dict[str, str]]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in conds}


def test_applied_sets_the_version_and_only_applied_true():
    out = status(Applied(7, T0, "k8s:kubectl-edit", pushed=True), generation=3, now=T0)
    assert out["observedGeneration"] == 3
    assert (out["parameterVersion"], out["appliedBy"], out["appliedAt"]) == (7, "k8s:kubectl-edit",
                                                                             "2026-12-03T06:00:00Z")
    assert _by_type(out["conditions"]) == {"Applied": ("True", "Applied"), "Invalid": ("False", "Valid"),
                                           "Pending": ("False", "Applied")}


def test_invalid_and_pending_keep_the_last_applied_version():
    before = status(Applied(7, T0, "k8s:kubectl-edit", pushed=True), generation=3, now=T0)
    invalid = status(Invalid("CrossFieldRule", "critical_fraction: …"), generation=4, now=T1, previous=before)
    assert invalid["parameterVersion"] == 7
    assert _by_type(invalid["conditions"])["Invalid"] == ("True", "CrossFieldRule")
    assert _by_type(invalid["conditions"])["Applied"] == ("False", "CrossFieldRule")
    pending = status(Pending("UPSTREAM_UNREACHABLE: risk unreachable"), generation=5, now=T1, previous=invalid)
    assert pending["parameterVersion"] == 7
    assert _by_type(pending["conditions"]) == {"Applied": ("False", "Pending"), "Invalid": ("False", "Valid"),
                                               "Pending": ("True", "RiskManagerUnreachable")}


def test_a_second_object_is_invalid_as_not_authoritative():
    out = status(Invalid("NotAuthoritative", "only catalyst/catalyst-risk is applied"), generation=1, now=T0)
    assert "parameterVersion" not in out
    assert _by_type(out["conditions"])["Invalid"] == ("True", "NotAuthoritative")


def test_a_condition_keeps_its_transition_time_while_its_status_holds():
    first = conditions(Applied(1, T0, "x", pushed=True), now=T0)
    again = conditions(Applied(2, T1, "x", pushed=False), now=T1, previous=first)
    assert [c["lastTransitionTime"] for c in again] == ["2026-12-03T06:00:00Z"] * 3
    flipped = conditions(Pending("down"), now=T1, previous=again)
    times = {c["type"]: c["lastTransitionTime"] for c in flipped}
    assert times == {"Applied": "2026-12-03T06:05:00Z", "Invalid": "2026-12-03T06:00:00Z",
                     "Pending": "2026-12-03T06:05:00Z"}


def test_the_push_is_retried_with_exponential_backoff_up_to_a_ceiling():
    s = RiskOperatorSettings(RISKOP_RETRY_INITIAL=0.5, RISKOP_RETRY_MAX=4)  # type: ignore[call-arg]
    assert [s.retry_delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert s.retry_delay(10_000) == 4.0


def test_only_an_applied_current_generation_is_settled_so_drift_is_judged_against_it():
    applied = status(Applied(7, T0, "x", pushed=True), generation=3, now=T0)
    assert applied["appliedGeneration"] == 3
    assert settled(applied, generation=3)
    assert not settled(applied, generation=4)  # edited since: the update handler's turn
    assert not settled({}, generation=1)
    unreachable_since = status(Pending("down"), generation=3, now=T1, previous=applied)
    assert settled(unreachable_since, generation=3)  # the timer keeps comparing until the Risk Manager is back
    assert not settled(status(Pending("down"), generation=4, now=T1, previous=applied), generation=4)
