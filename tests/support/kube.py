"""A real Kubernetes API server (1.20) on loopback for the tests: ``../shared/tools/kube-control-plane``
builds kube-apiserver and etcd once per machine (cached), ``up.sh`` starts them, ``down.sh`` stops them.

``with kube_control_plane() as kubeconfig`` yields the kubeconfig's path (an admin token). Where the
tools are missing or cannot build here, ``KubeUnavailable`` says why (the fixture skips with it).
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(os.environ.get("CATALYST_KCP_TOOLS", ROOT.parent / "shared" / "tools" / "kube-control-plane"))
BUILD_TIMEOUT_S = 3600
KCP_HOME = Path(os.environ.get("KCP_HOME", Path.home() / ".cache" / "kube-control-plane"))


def built() -> bool:
    """Whether build.sh has already built the API server here (then starting it takes seconds)."""
    return (KCP_HOME / "bin" / "kube-apiserver").is_file()


class KubeUnavailable(RuntimeError):
    """The API server cannot be had on this machine (and why)."""


def in_namespace(doc: dict[str, Any], namespace: str) -> dict[str, Any]:
    """A manifest document moved to ``namespace`` (the manifests say ``catalyst``), its subjects too."""
    doc["metadata"]["namespace"] = namespace
    for subject in doc.get("subjects", []):
        subject["namespace"] = namespace
    return doc


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port_pair() -> int:
    """A free port whose next one is free too (etcd's client and peer ports)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port < 65535 and _free(port + 1):
            return port
    raise KubeUnavailable("no two free consecutive loopback ports")


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@contextmanager
def kube_control_plane() -> Iterator[str]:
    """Build (if needed) and start the API server; yield the kubeconfig path; stop it after the block."""
    if not (TOOLS / "up.sh").is_file():
        raise KubeUnavailable(f"no kube-control-plane tools at {TOOLS}")
    build = subprocess.run([str(TOOLS / "build.sh")], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    if build.returncode != 0:
        raise KubeUnavailable(f"kube-control-plane build.sh failed:\n{_tail(build.stdout + build.stderr)}")
    env = {**os.environ, "KCP_PORT": str(_free_port_pair()), "KCP_ETCD_PORT": str(_free_port_pair())}
    up = subprocess.run([str(TOOLS / "up.sh")], capture_output=True, text=True, env=env, timeout=120)
    if up.returncode != 0:
        raise KubeUnavailable(f"kube-control-plane up.sh failed:\n{_tail(up.stdout + up.stderr)}")
    kubeconfig = up.stdout.strip().splitlines()[-1]
    try:
        yield kubeconfig
    finally:
        subprocess.run([str(TOOLS / "down.sh"), os.path.dirname(kubeconfig)], capture_output=True, timeout=60)
