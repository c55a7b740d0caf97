"""The caller table: the matrix's callers on every group, reads a little wider than commands."""

from __future__ import annotations

from catalyst.access import (
    NEWS_INGEST,
    NEWS_QUERIES,
    PATTERN_QUERIES,
    RISK_CHECKS,
    RISK_CONTROLS,
    RISK_PARAMETERS,
    TECHNICAL_QUERIES,
    TRADING_BOOK,
)
from catalyst.services import DEPENDENCIES, Operator, ServiceName, callers_of

ORCH, S, W = ServiceName.ORCHESTRATION, ServiceName.SCANNER, ServiceName.WORKFLOW


def test_the_matrix_is_what_the_code_calls():
    assert DEPENDENCIES[ServiceName.RISK] == (ServiceName.TRADING,)
    assert DEPENDENCIES[ServiceName.TRADING] == ()
    assert callers_of(ServiceName.TRADING) == {ServiceName.RISK, W}
    assert callers_of(ServiceName.RISK) == {W}
    assert callers_of(ServiceName.WORKFLOW) == {ORCH}
    for analysis in (ServiceName.NEWS, ServiceName.TECHNICAL, ServiceName.PATTERN):
        assert callers_of(analysis) == {S, W}


def test_analysis_services_answer_their_matrix_callers_only():
    for group in (NEWS_QUERIES, TECHNICAL_QUERIES, PATTERN_QUERIES):
        assert group.allowed("GET") == group.allowed("POST") == {S, W}
    assert NEWS_INGEST.allowed("POST") == {W, Operator.OPERATOR}


def test_risk_and_trading_reads_are_open_to_the_overseers_and_their_commands_are_not():
    assert RISK_CHECKS.allowed("get") == {W, ORCH, Operator.OPERATOR}
    assert RISK_CHECKS.allowed("POST") == {W}
    assert RISK_CONTROLS.allowed("PUT") == RISK_CONTROLS.allowed("POST") == {W, ORCH, Operator.OPERATOR}
    assert RISK_PARAMETERS.allowed("GET") == RISK_PARAMETERS.allowed("PUT") == {
        W, ORCH, Operator.OPERATOR, Operator.RISK_OPERATOR}
    assert TRADING_BOOK.allowed("GET") == {ServiceName.RISK, W, ORCH, Operator.OPERATOR}
    assert TRADING_BOOK.allowed("POST") == TRADING_BOOK.allowed("DELETE") == {ServiceName.RISK, W}
