"""Run every benchmark module and write the figures into docs/benchmarks.md.

``python -m bench`` runs all; ``python -m bench analysis risk`` runs the modules whose names
contain those words and prints them without rewriting the document.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str]) -> None:
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    selected = [n for n in names if not argv or any(a in n for a in argv)]
    sections = []
    for name in selected:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        section = importlib.import_module(f"bench.{name}").run()
        print(section, flush=True)
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
        sections.append(section.strip())
    if argv:
        return
    header = (
        "# Benchmarks\n\n"
        "Produced by `make bench` (`python -m bench`); every figure below is measured by that command, "
        "none is asserted in a test.\n\n"
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n- Machine: {machine()}\n"
    )
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(header + "\n" + "\n\n".join(sections) + "\n")
    print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
