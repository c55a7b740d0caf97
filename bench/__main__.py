"""Run every benchmark module and write the figures into docs/benchmarks.md.

``python -m bench`` runs all; ``python -m bench analysis risk`` runs the modules whose names
contain those words and prints them without rewriting the document; ``python -m bench --write
risk`` also replaces those modules' sections in it (matched by their ``## `` heading), leaving
every other section and the header as they are.
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


def replace_sections(doc: str, sections: list[str]) -> str:
    """``doc`` with each section (its first line, a ``## `` heading) in place of the one under the
    same heading, up to the next ``## `` heading; a section not found is appended."""
    for section in sections:
        heading = section.splitlines()[0]
        start = doc.find(f"\n{heading}\n")
        if start < 0:
            doc = f"{doc.rstrip()}\n\n{section}\n"
            continue
        end = doc.find("\n## ", start + len(heading) + 1)
        doc = doc[:start + 1] + section + ("\n" if end < 0 else "\n\n" + doc[end + 1:])
    return doc


def main(argv: list[str]) -> None:
    write = "--write" in argv
    argv = [a for a in argv if a != "--write"]
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
        if write:
            DOC.write_text(replace_sections(DOC.read_text(), sections))
            print(f"rewrote {len(sections)} section(s) of {DOC.relative_to(ROOT)}")
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
