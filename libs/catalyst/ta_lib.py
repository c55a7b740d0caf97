"""TA-Lib for numpy arrays, imported without its pandas and polars wrappers.

``import talib`` imports pandas (and polars) whenever they are installed, only to accept their Series
as input; that is most of a service's memory, and Catalyst hands TA-Lib numpy arrays only. While
TA-Lib is imported, the libraries not yet loaded are marked absent, so it takes its numpy-only path
(when one is already loaded, TA-Lib wraps it as usual).
"""

from __future__ import annotations

import sys
from types import ModuleType

_WRAPPED = ("pandas", "polars")


def _import_talib() -> ModuleType:
    absent = [name for name in _WRAPPED if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # type: ignore[assignment]  # an import of it now raises ModuleNotFoundError
    try:
        import talib
    finally:
        for name in absent:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    return talib


talib = _import_talib()

__all__ = ["talib"]
