"""The parameter model: the spec's defaults, the shipped YAML, and refusal naming the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from catalyst.domain.risk import RiskParameters

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_are_the_spec_values() -> None:
    p = RiskParameters()
    assert p.daily_loss_limit == Decimal("2000")
    assert p.max_position_pct == 0.20
    assert p.max_positions == 5
    assert p.max_correlation == 0.7
    assert p.stop_atr_multiple == 2.0
    assert (p.warning_fraction, p.critical_fraction) == (0.75, 1.0)
    assert p.correlation_lookback_days == 60
    assert p.max_position_value == Decimal("20000")
    assert (p.account_equity, p.daily_loss_limit) == (Decimal("100000"), Decimal("2000"))


def test_shipped_yaml_is_valid_and_matches_the_defaults() -> None:
    data = yaml.safe_load((ROOT / "config" / "risk_parameters.yaml").read_text())
    assert RiskParameters.model_validate(data) == RiskParameters()


def test_frozen() -> None:
    with pytest.raises(ValidationError):
        RiskParameters().daily_loss_limit = Decimal(1)  # type: ignore[misc]


def _field_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [".".join(str(p) for p in e["loc"]) for e in exc.value.errors()]


@pytest.mark.parametrize(("field", "value"), [
    ("daily_loss_limit", 0),
    ("daily_loss_limit", -5),
    ("account_equity", 0),
    ("max_position_pct", 0),
    ("max_position_pct", 1.01),
    ("max_positions", 0),
    ("max_correlation", 1.5),
    ("kelly_fraction", 0),
    ("warning_fraction", 0),
    ("unknown_correlation", "ignore"),
    ("daily_loss_limit", "lots"),
])
def test_invalid_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as exc:
        RiskParameters.model_validate({field: value})
    assert _field_of(exc) == [field]


def test_max_position_pct_of_one_is_allowed() -> None:
    assert RiskParameters(max_position_pct=1.0).max_position_value == Decimal("100000")


@pytest.mark.parametrize(("values", "field"), [
    ({"warning_fraction": 0.9, "critical_fraction": 0.8}, "critical_fraction"),
    ({"warning_fraction": 0.8, "critical_fraction": 0.8}, "critical_fraction"),
    ({"correlation_lookback_days": 30, "min_correlation_observations": 30}, "min_correlation_observations"),
    ({"kelly_lookback_trades": 10, "kelly_min_trades": 11}, "kelly_min_trades"),
])
def test_cross_field_rules_name_the_later_field(values: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        RiskParameters.model_validate(values)
    assert _field_of(exc) == [field]


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        RiskParameters.model_validate({"daily_loss_limt": 1000})
    assert _field_of(exc) == ["daily_loss_limt"]


def test_money_is_a_decimal_inside_and_a_number_on_the_wire() -> None:
    p = RiskParameters.model_validate_json('{"daily_loss_limit": 0.3, "account_equity": 1234.56}')
    assert (p.daily_loss_limit, p.account_equity) == (Decimal("0.3"), Decimal("1234.56"))
    assert p.model_dump(mode="json")["daily_loss_limit"] == 0.3
    assert RiskParameters.model_json_schema(mode="serialization")["properties"]["account_equity"]["type"] == "number"


@pytest.mark.parametrize(("equity", "pct", "valid"), [(1, 0.01, True), (0.99, 0.01, False), (100, 0.0001, True)])
def test_position_cap_must_be_at_least_a_cent(equity: float, pct: float, valid: bool) -> None:
    if valid:
        assert RiskParameters(account_equity=equity, max_position_pct=pct).max_position_value == Decimal("0.01")
    else:
        with pytest.raises(ValidationError) as exc:
            RiskParameters(account_equity=equity, max_position_pct=pct)
        assert _field_of(exc) == ["max_position_pct"]
