"""Workflow spells symbols by the domain's one rule (``as_symbol``): the trade desk's ticker and the watchlist."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalyst.domain.market import as_symbol
from catalyst.errors import InvalidInput
from catalyst.workflow.config import WorkflowSettings
from catalyst.workflow.trades import ticker


@pytest.mark.parametrize(("given", "spelled"), [
    ("aapl", "AAPL"), (" brk.b ", "BRK.B"), ("BF-B", "BF-B"), ("", None), ("1ABC", None), ("AAPL\n", "AAPL"),
    ("TOOLONGTICKER", None), ("A B", None), ("AAPL$", None),
])
def test_one_rule_for_a_callers_spelling(given: str, spelled: str | None) -> None:
    assert as_symbol(given) == spelled
    if spelled is None:
        with pytest.raises(InvalidInput) as refused:
            ticker(given)
        assert (refused.value.code, refused.value.details) == ("INVALID_SYMBOL", {"symbol": given})
    else:
        assert ticker(given) == spelled


def test_the_watchlist_is_spelled_by_the_same_rule() -> None:
    settings = WorkflowSettings.model_validate({"WORKFLOW_WATCHLIST": " aapl, msft ,,brk.b"})
    assert settings.watchlist == ("AAPL", "MSFT", "BRK.B")
    with pytest.raises(ValidationError, match="not tickers: 1ABC, A B"):
        WorkflowSettings.model_validate({"WORKFLOW_WATCHLIST": "aapl,1ABC, A B"})
