"""The chart's PrometheusRule as Prometheus reads it: ``promtool check rules`` and ``promtool test rules``,
one case (firing and not) for each alert of spec 9.3 (tests/data/promtool). promtool is Debian's
``prometheus`` package, which ``make test`` installs (``make test-tools``, scripts/test_tools.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.chart import manifests, of_kind

CASES = Path(__file__).resolve().parents[2] / "data" / "promtool" / "catalyst_alerts_test.yaml"
SPEC_ALERTS = {
    "CatalystServiceDown", "CatalystDatabaseConnectionFailed", "CatalystDailyLossLimitHit", "CatalystEmergencyStop",
    "CatalystOrderExecutionFailed", "CatalystHighErrorRate", "CatalystSlowResponses", "CatalystHighMemory",
    "CatalystApproachingLossLimit",
}
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool missing: make test-tools installs it (Debian prometheus) where apt can as root")


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered rule groups as a rules file, beside the test cases that load it."""
    (rule,) = of_kind(manifests({"monitoring": {"prometheusOperator": "always"}}), "PrometheusRule")
    folder = tmp_path_factory.mktemp("promtool")
    (folder / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    shutil.copy(CASES, folder / CASES.name)
    return folder


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_the_rules_are_the_spec_alerts():
    (rule,) = of_kind(manifests({"monitoring": {"prometheusOperator": "always"}}), "PrometheusRule")
    alerts = [r["alert"] for group in rule["spec"]["groups"] for r in group["rules"]]
    assert sorted(alerts) == sorted(SPEC_ALERTS)


def test_every_alert_has_a_firing_case():
    cases = yaml.safe_load(CASES.read_text())["tests"]
    fired = {t["alertname"] for case in cases for t in case["alert_rule_test"] if t["exp_alerts"]}
    quiet = {t["alertname"] for case in cases for t in case["alert_rule_test"] if not t["exp_alerts"]}
    assert fired == SPEC_ALERTS
    assert quiet == SPEC_ALERTS


@needs_promtool
def test_promtool_check_rules(rules_dir):
    result = _promtool("check", "rules", "rules.yaml", cwd=rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_test_rules(rules_dir):
    result = _promtool("test", "rules", CASES.name, cwd=rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr
