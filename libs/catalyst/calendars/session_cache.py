"""The NYSE sessions a calendar was built from, kept on disk so later processes skip exchange-calendars.

Building the calendar imports exchange-calendars and pandas (about 100 MiB a process, for good: a
module once imported stays); the sessions themselves are a few thousand plain rows. The first build
writes them under ``~/.cache/catalyst`` (or the directory the calendar is given), named by the
library's version and the span, so an upgrade of the library (new rules or closures) or another span
builds afresh. A file that cannot be read or written only costs that rebuild.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from catalyst.domain.calendar import Session

_FORMAT = 1


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "catalyst"


def _path(directory: Path, first_day: date, last_day: date) -> Path | None:
    try:
        library = version("exchange_calendars")
    except PackageNotFoundError:
        return None
    return directory / f"xnys-{library}-{first_day.isoformat()}-{last_day.isoformat()}-v{_FORMAT}.json"


def load_sessions(directory: Path, first_day: date, last_day: date) -> tuple[Session, ...] | None:
    """The cached sessions of the span, or None when there are none (or they cannot be read)."""
    path = _path(directory, first_day, last_day)
    if path is None:
        return None
    try:
        rows = json.loads(path.read_text())
        return tuple(Session(day=date.fromisoformat(day), open=datetime.fromtimestamp(opened, UTC),
                             close=datetime.fromtimestamp(closed, UTC), is_half_day=half)
                     for day, opened, closed, half in rows)
    except (OSError, ValueError, TypeError):
        return None


def save_sessions(directory: Path, first_day: date, last_day: date, sessions: tuple[Session, ...]) -> None:
    """Write the span's sessions atomically (services starting together may race to write them)."""
    path = _path(directory, first_day, last_day)
    if path is None:
        return
    rows = [[s.day.isoformat(), s.open.timestamp(), s.close.timestamp(), s.is_half_day] for s in sessions]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as out:
            json.dump(rows, out, separators=(",", ":"))
        os.replace(out.name, path)
    except OSError:
        return
