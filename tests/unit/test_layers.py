"""Importing the typed clients stays light: a caller of a service never loads TA-Lib, pandas, NumPy or the ML stack.

import-linter (``make lint``) checks the static import graph; this checks what really ends up in
``sys.modules``, in a fresh interpreter so that nothing another test imported can hide a leak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("talib", "pandas", "numpy", "torch", "transformers", "exchange_calendars")

_PROBE = f"""
import importlib, json, pkgutil, sys
import catalyst.clients, catalyst.contracts
loaded = []
for package in (catalyst.clients, catalyst.contracts):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
        loaded.append(info.name)
heavy = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
print(json.dumps({{"loaded": loaded, "heavy": heavy, "catalyst": catalyst.__file__}}))
"""


def test_clients_and_contracts_load_no_heavy_library() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    clients = {name for name in report["loaded"] if name.startswith("catalyst.clients.")}
    assert {"catalyst.clients.news", "catalyst.clients.pattern", "catalyst.clients.risk",
            "catalyst.clients.technical", "catalyst.clients.trading"} <= clients
    assert report["heavy"] == [], f"importing the clients loaded {report['heavy']}"
