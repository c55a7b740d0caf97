"""Schema migrations with yoyo (``db/migrations``): idempotent, versions recorded in the database.

Run with ``python -m catalyst.db.migrate`` (``make migrate``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from yoyo import get_backend, read_migrations

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "db" / "migrations"
MIGRATIONS_DIR = Path(os.environ.get("CATALYST_MIGRATIONS_DIR", DEFAULT_DIR))


def yoyo_url(dsn: str) -> str:
    """yoyo speaks psycopg 3 through the ``postgresql+psycopg`` scheme."""
    for prefix in ("postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+psycopg://" + dsn[len(prefix):]
    return dsn


def apply_migrations(dsn: str, migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; returns the ids applied (empty when up to date)."""
    backend = get_backend(yoyo_url(dsn))
    migrations = read_migrations(str(migrations_dir))
    try:
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
    finally:
        backend.connection.close()
    return [m.id for m in pending]


def main() -> None:
    parser = argparse.ArgumentParser(description="Apply Catalyst database migrations")
    parser.add_argument("--dsn", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    applied = apply_migrations(args.dsn)
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else " (up to date)"))


if __name__ == "__main__":
    main()
