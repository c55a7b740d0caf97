"""structlog JSON logging: one line per event with service, level, timestamp and request id."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Literal

import structlog

Stream = Literal["stdout", "stderr"]


def configure_logging(service: str, level: str = "INFO", *, stream: Stream = "stdout") -> None:
    """Route stdlib and structlog output through one JSON renderer on stdout (``stream="stderr"``:
    on stderr, for a process whose stdout is a protocol, such as the ``catalyst-mcp`` stdio proxy)."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        _add_service(service),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_StreamLogger.factory(stream),
        cache_logger_on_first_use=False,
    )
    handler = _StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(),
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "httpx", "httpx2", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class _StreamLogger:
    """Writes to whatever ``sys.stdout`` (or ``sys.stderr``) is at the time of the call (not at
    configuration), so a replaced or closed stream (a test's capture, a reloaded worker) never breaks logging."""

    def __init__(self, stream: Stream) -> None:
        self._stream = stream

    @classmethod
    def factory(cls, stream: Stream) -> Callable[..., _StreamLogger]:
        return lambda *_args: cls(stream)

    def msg(self, message: str) -> None:
        print(message, file=getattr(sys, self._stream), flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class _StreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler bound to the current ``sys.stdout`` (or ``sys.stderr``) at each record."""

    def __init__(self, stream: Stream) -> None:
        self._stream_name = stream
        super().__init__()

    @property
    def stream(self) -> object:
        return getattr(sys, self._stream_name)

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def _add_service(service: str) -> structlog.types.Processor:
    def processor(
        _logger: object, _method: str, event_dict: structlog.types.EventDict
    ) -> structlog.types.EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
