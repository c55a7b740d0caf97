"""Build the configured bar source (``BAR_SOURCE=replay|alpaca|files``).

Each implementation is imported only when chosen: the file source loads pandas and pyarrow, the
Alpaca one alpaca-py, and a replay-only service needs neither.
"""

from __future__ import annotations

from catalyst.bar_sources.base import BarSource
from catalyst.bar_sources.config import BarSourceSettings
from catalyst.clock import Clock


def bar_source_from_settings(settings: BarSourceSettings | None = None, *, clock: Clock | None = None) -> BarSource:
    """The configured source; ``clock`` (replay only) hides bars that have not happened yet."""
    settings = settings or BarSourceSettings()
    if settings.bar_source == "alpaca":
        from catalyst.bar_sources.alpaca import AlpacaBarSource

        return AlpacaBarSource.from_settings(settings)
    if settings.bar_source == "files":
        from catalyst.bar_sources.files import FileBarSource

        assert settings.bar_files_dir is not None  # the settings validator guarantees it
        return FileBarSource(settings.bar_files_dir, naive_tz=settings.bar_files_tz)
    from catalyst.bar_sources.replay import ReplayBarSource

    return ReplayBarSource(seed=settings.replay_seed, clock=clock)
