"""Logs are one JSON object per line with service, level, timestamp and the request id."""

from __future__ import annotations

import json
import logging

import structlog

from catalyst.context import request_id_var
from catalyst.logging import configure_logging, get_logger


def test_log_line_is_json_with_service_and_request_id(capsys):
    configure_logging("risk", "INFO")
    structlog.contextvars.bind_contextvars(request_id="rid-7")
    token = request_id_var.set("rid-7")
    try:
        get_logger("t").info("order_checked", symbol="TSLA", quantity=50)
    finally:
        request_id_var.reset(token)
        structlog.contextvars.clear_contextvars()
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "order_checked"
    assert line["service"] == "risk"
    assert line["request_id"] == "rid-7"
    assert line["level"] == "info"
    assert line["symbol"] == "TSLA"
    assert line["timestamp"].endswith("Z")


def test_level_filters_debug(capsys):
    configure_logging("risk", "INFO")
    get_logger("t").debug("noise")
    assert "noise" not in capsys.readouterr().out


def test_stderr_stream_keeps_stdout_free_for_a_protocol(capsys):
    """The stdio MCP proxy's stdout is the protocol: its logs, stdlib ones included, go to stderr."""
    configure_logging("catalyst-mcp", "INFO", stream="stderr")
    try:
        get_logger("t").info("relayed", method="tools/list")
        logging.getLogger("a.library").warning("from a library")
        captured = capsys.readouterr()
    finally:
        configure_logging("risk", "INFO")
    assert captured.out == ""
    events = [json.loads(line) for line in captured.err.splitlines()]
    assert [(e["event"], e["service"]) for e in events] == [("relayed", "catalyst-mcp"),
                                                            ("from a library", "catalyst-mcp")]
