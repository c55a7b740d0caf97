"""The one validation every parameter change goes through, and reading the YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalyst.domain.risk import RiskParameters
from catalyst.errors import InvalidInput
from catalyst.risk.parameter_store import read_parameter_file, validate_parameters


def test_valid_candidate() -> None:
    assert validate_parameters({"daily_loss_limit": 1500}).daily_loss_limit == 1500.0
    assert validate_parameters({}) == RiskParameters()


def test_invalid_candidate_names_every_field() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_parameters({"daily_loss_limit": 0, "max_positions": "many"})
    err = exc.value
    assert err.code == "INVALID_RISK_PARAMETERS"
    assert err.details["fields"] == ["daily_loss_limit", "max_positions"]
    assert "daily_loss_limit" in err.message
    assert err.status_code == 400


@pytest.mark.parametrize("candidate", [[1, 2], "daily_loss_limit: 5", None])
def test_non_mapping_is_refused(candidate: object) -> None:
    with pytest.raises(InvalidInput):
        validate_parameters(candidate)


def test_read_file(tmp_path: Path) -> None:
    good = tmp_path / "p.yaml"
    good.write_text("daily_loss_limit: 1000\n")
    assert read_parameter_file(good) == {"daily_loss_limit": 1000}
    empty = tmp_path / "e.yaml"
    empty.write_text("")
    assert read_parameter_file(empty) == {}
    for text in ("daily_loss_limit: [x", "- 1\n- 2\n"):
        bad = tmp_path / "b.yaml"
        bad.write_text(text)
        with pytest.raises(InvalidInput):
            read_parameter_file(bad)
