"""Each service starts with only the heavy libraries its own work needs (issue 12's memory budget).

pandas alone (it pulls pyarrow) is most of a service's resident memory, so a stray import anywhere
under a service's app module shows up nine times over. Every app module is imported in a fresh
interpreter (nothing already loaded hides a leak) and the heavy libraries it loaded are compared
with what that service uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = frozenset({
    "alpaca", "exchange_calendars", "fastmcp", "mcp", "numpy", "pandas", "polars", "pyarrow", "scipy",
    "sklearn", "talib", "torch", "transformers",
})

NEEDED: dict[str, frozenset[str]] = {
    # Replay news and the offline sentiment lexicon are plain Python; the synthetic universe behind the
    # replay items (NumPy, TA-Lib) loads when they are first read, Alpaca's SDK only with NEWS_SOURCES=alpaca.
    "news": frozenset(),
    # The MCP server is this service's job.
    "orchestration": frozenset({"fastmcp", "mcp"}),
    # Pattern detectors work on NumPy arrays of bars.
    "pattern": frozenset({"numpy"}),
    # The bar store returns NumPy columns for the day's charts; the market calendar is built in build_app,
    # from the sessions cached on disk (catalyst.calendars.session_cache), not exchange-calendars and pandas.
    "reporting": frozenset({"numpy"}),
    # Correlation and volatility are NumPy over the bar store's columns.
    "risk": frozenset({"numpy"}),
    # The scanner scores with the batch indicators (fused NumPy), not TA-Lib.
    "scanner": frozenset({"numpy"}),
    # Single-symbol indicators are TA-Lib's (the reference), batches NumPy.
    "technical": frozenset({"numpy", "talib"}),
    # The sim broker is plain Python; alpaca-py (with pandas and pyarrow) loads only with BROKER=alpaca.
    "trading": frozenset(),
    # The Workflow orchestrates over HTTP; its market calendar as Reporting's (built in build_app, from the
    # cached sessions).
    "workflow": frozenset(),
}


@pytest.mark.parametrize("service", sorted(NEEDED))
def test_a_service_imports_only_the_heavy_libraries_it_needs(service: str) -> None:
    probe = (f"import json, sys, services.{service}.app; "
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ":".join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True,
                          env=env)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1])) & HEAVY
    assert loaded == NEEDED[service]


def test_talib_is_imported_without_its_pandas_wrappers() -> None:
    """TA-Lib imports pandas whenever it is installed; Catalyst's import of it must not."""
    probe = ("import sys, catalyst.ta_lib, numpy as np; "
             "assert catalyst.ta_lib.talib.SMA(np.arange(4.0), 2)[-1] == 2.5; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'polars', 'pyarrow'}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True,
                          env={"PYTHONPATH": ":".join(p for p in sys.path if p)})
    assert done.stdout.strip() == "[]"
