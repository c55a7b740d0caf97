"""The one way risk parameters change: validate → persist → swap, whoever asks.

The file watcher, ``PUT /api/v1/risk/parameters``, the MCP tool and the Kubernetes operator all
call ``ParameterStore.apply_parameters``. A candidate is validated by ``RiskParameters``; an
invalid one raises ``InvalidInput`` naming every bad field, is recorded as a ``risk_event``, and
leaves the active set untouched. A valid one is written to ``risk_parameters`` (version, who,
when, source) and only then swapped in memory: readers see the old set or the new one, never a
mix, and never a set the database does not have.

Start-up: the latest applied set wins. The database's active set is used unless the file was
saved after it was applied (an edit made while the service was down); with neither, the file.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from catalyst.db import Database
from catalyst.domain.risk import RiskParameters
from catalyst.errors import InvalidInput
from catalyst.logging import get_logger
from catalyst.risk import repository

log = get_logger(__name__)

SOURCES = frozenset({"file", "api", "mcp", "operator"})


@dataclass(frozen=True, slots=True)
class ActiveSet:
    version: int
    parameters: RiskParameters
    applied_by: str
    source: str
    applied_at: datetime
    reason: str | None = None


Listener = Callable[[ActiveSet, ActiveSet], Awaitable[None]]


def validate_parameters(candidate: object) -> RiskParameters:
    """``RiskParameters`` from a candidate mapping, or ``InvalidInput`` naming every bad field."""
    if not isinstance(candidate, dict):
        raise InvalidInput("risk parameters must be a mapping of field to value",
                           code="INVALID_RISK_PARAMETERS", details={"fields": [], "errors": []})
    try:
        return RiskParameters.model_validate(candidate)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]) or "(root)", "message": e["msg"]}
                  for e in exc.errors()]
        fields = sorted({e["field"] for e in errors})
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise InvalidInput(f"invalid risk parameters: {text}", code="INVALID_RISK_PARAMETERS",
                           details={"fields": fields, "errors": errors}) from None


def _absolute(path: str | Path) -> Path:
    return Path(os.path.abspath(path))


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _modified_at(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


def read_parameter_file(path: Path) -> dict[str, Any]:
    """The YAML file as a mapping; ``InvalidInput`` when it is not YAML or not a mapping."""
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path.name} is not valid YAML: {exc}", code="INVALID_RISK_PARAMETERS",
                           details={"fields": [], "errors": [{"field": "(file)", "message": str(exc)}]}) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{path.name} must hold a mapping of field to value", code="INVALID_RISK_PARAMETERS",
                           details={"fields": [], "errors": []})
    return data


class ParameterStore:
    def __init__(self, db: Database):
        self._db = db
        self._active = ActiveSet(0, RiskParameters(), "defaults", "file", datetime.now(UTC), "not yet loaded")
        self._lock = asyncio.Lock()
        self._listeners: list[Listener] = []
        self._file_seen: tuple[int, int] | None = None

    @property
    def active(self) -> ActiveSet:
        return self._active

    @property
    def parameters(self) -> RiskParameters:
        return self._active.parameters

    def on_change(self, listener: Listener) -> None:
        """Call ``listener(old, new)`` after every swap."""
        self._listeners.append(listener)

    async def apply_parameters(
        self, candidate: object, *, source: str, applied_by: str, reason: str | None = None,
        skip_if_unchanged: bool = False,
    ) -> ActiveSet:
        """Validate, persist, swap. Raises ``InvalidInput`` (active set unchanged) on a bad set,
        ``ServiceUnavailable`` when the database cannot record it (nothing applied)."""
        if source not in SOURCES:
            raise InvalidInput(f"unknown parameter source {source!r}", code="INVALID_RISK_PARAMETERS",
                               details={"fields": ["source"], "errors": []})
        try:
            params = validate_parameters(candidate)
        except InvalidInput as exc:
            await self._record_rejection(exc, source=source, applied_by=applied_by)
            raise
        async with self._lock:
            old = self._active
            if skip_if_unchanged and old.version > 0 and params == old.parameters:
                return old
            stored = await repository.persist_parameters(
                self._db, params.model_dump(mode="json"), applied_by=applied_by, source=source, reason=reason)
            new = ActiveSet(stored.version, params, applied_by, source, stored.applied_at, reason)
            self._active = new
        log.info("risk_parameters_applied", version=new.version, source=source, applied_by=applied_by)
        for listener in self._listeners:
            await listener(old, new)
        return new

    async def _record_rejection(self, exc: InvalidInput, *, source: str, applied_by: str) -> None:
        log.warning("risk_parameters_rejected", source=source, applied_by=applied_by, error=exc.message)
        try:
            await repository.insert_risk_event(
                self._db, event_type="parameters_rejected", severity="warning", message=exc.message,
                details={"source": source, "applied_by": applied_by, **exc.details})
        except Exception as db_exc:  # the refusal stands even if it cannot be recorded
            log.warning("risk_event_not_recorded", error=str(db_exc))

    async def load(self, path: Path) -> ActiveSet:
        """Start-up: the latest applied set (see module doc). An invalid file is refused and
        recorded; then the database's set, else the documented defaults, stays active."""
        stored = await repository.load_active_parameters(self._db)
        self._file_seen = _signature(path)
        file_mtime = _modified_at(path)
        if stored is not None:
            try:
                params = validate_parameters(stored.parameters)
            except InvalidInput as exc:  # a set valid when stored but not under today's model
                log.warning("stored_risk_parameters_invalid", version=stored.version, error=exc.message)
            else:
                self._active = ActiveSet(stored.version, params, stored.applied_by, stored.source,
                                         stored.applied_at, stored.reason)
                if file_mtime is None or file_mtime <= stored.applied_at:
                    return self._active
        if file_mtime is None:
            log.warning("risk_parameter_file_missing", path=str(path))
            if self._active.version == 0:
                return await self.apply_parameters({}, source="file", applied_by="startup",
                                                   reason=f"{path} missing: documented defaults")
            return self._active
        try:
            return await self.apply_parameters(read_parameter_file(path), source="file",
                                               applied_by=f"file:{path.name}", reason="start-up",
                                               skip_if_unchanged=True)
        except InvalidInput as exc:
            if self._active.version == 0:
                await self._record_rejection(exc, source="file", applied_by=f"file:{path.name}")
                return await self.apply_parameters({}, source="file", applied_by="startup",
                                                   reason=f"{path.name} invalid: documented defaults")
            return self._active

    async def poll_file(self, path: Path) -> ActiveSet | None:
        """Reload the file if it changed since last read: the watcher's safety net (an edit made
        before the watch started, or a filesystem without change notifications)."""
        if _signature(path) == self._file_seen:
            return None
        return await self.reload_file(path)

    async def reload_file(self, path: Path) -> ActiveSet | None:
        """Apply the file after an edit; None when it was refused (logged and recorded)."""
        self._file_seen = _signature(path)
        try:
            candidate = read_parameter_file(path)
        except InvalidInput as exc:
            await self._record_rejection(exc, source="file", applied_by=f"file:{path.name}")
            return None
        except OSError as exc:  # deleted or unreadable: keep the active set
            log.warning("risk_parameter_file_unreadable", path=str(path), error=str(exc))
            return None
        try:
            return await self.apply_parameters(candidate, source="file", applied_by=f"file:{path.name}",
                                               reason="file edited", skip_if_unchanged=True)
        except InvalidInput:
            return None


async def watch_parameter_file(store: ParameterStore, path: Path, *, debounce_ms: int = 300,
                               stop_event: asyncio.Event | None = None) -> None:
    """Apply every saved edit of ``path`` until cancelled (the directory is watched, so an
    editor that saves by rename is seen too)."""
    from watchfiles import awatch

    target = _absolute(path)

    def only_target(_change: object, changed: str) -> bool:
        return _absolute(changed) == target

    log.info("risk_parameter_watch_started", path=str(target))
    async for _changes in awatch(target.parent, watch_filter=only_target, debounce=debounce_ms,
                                 stop_event=stop_event):
        await store.reload_file(target)
