"""The programs ``make test`` drives that are not Python packages, installed from Debian when missing.

Each is a Debian package whose binary a test runs (the day's report in headless Chromium, the chart's
alert rules in ``promtool``, …). On a
machine without apt or root the install is skipped with a note, and the tests that need the program
skip with the reason; nothing is installed where the binary is already on the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess

PACKAGES = {"chromium": "chromium", "promtool": "prometheus"}  # binary -> Debian package


def missing() -> list[str]:
    return sorted({package for binary, package in PACKAGES.items() if shutil.which(binary) is None})


def main() -> None:
    wanted = missing()
    if not wanted:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print(f"test-tools: {', '.join(wanted)} not installed and apt-get is not available as root: "
              "the tests that need them will skip", flush=True)
        return
    print(f"test-tools: installing {', '.join(wanted)} from Debian (once per machine)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *wanted], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:  # a stale package index: refresh it once and try again
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, text=True)
        done = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *wanted], env=env,
                              capture_output=True, text=True)
    if done.returncode != 0:
        print(f"test-tools: apt-get failed ({done.returncode}); the tests that need {', '.join(wanted)} will skip:\n"
              f"{done.stderr[-2000:]}", flush=True)


if __name__ == "__main__":
    main()
