"""Install ``promtool`` (Debian's ``prometheus`` package) when it is missing, for the chart's rule tests
(``make test`` runs this first). Idempotent: nothing happens when ``promtool`` is already on the PATH.
Where apt cannot install (not root, no apt-get) it says why and exits 0: those tests then skip, naming it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def why_not_installable() -> str | None:
    """Why apt cannot install here, or None when it can."""
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine"
    if os.geteuid() != 0:
        return "not root (run: sudo apt-get install -y prometheus)"
    return None


def main() -> int:
    if shutil.which("promtool"):
        return 0
    reason = why_not_installable()
    if reason is not None:
        print(f"promtool missing and not installed: {reason}; the chart's promtool tests will skip", file=sys.stderr)
        return 0
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)
    print(f"installed promtool: {shutil.which('promtool')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
