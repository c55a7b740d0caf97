"""Schema migrations with yoyo (``db/migrations``): idempotent, versions recorded in the database.

Run with ``python -m catalyst.db.migrate`` (``make migrate``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import Field
from yoyo import get_backend, read_migrations

from catalyst.config import Section, Settings
from catalyst.environment import read

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "db" / "migrations"


class MigrationSettings(Section):
    migrations_dir: Path = Field(DEFAULT_DIR, alias="CATALYST_MIGRATIONS_DIR")


def yoyo_url(dsn: str) -> str:
    """yoyo speaks psycopg 3 through the ``postgresql+psycopg`` scheme."""
    for prefix in ("postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+psycopg://" + dsn[len(prefix):]
    return dsn


def apply_migrations(dsn: str, migrations_dir: Path = DEFAULT_DIR) -> list[str]:
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
    parser.add_argument("--dsn", default=read(Settings).database_url)
    args = parser.parse_args()
    applied = apply_migrations(args.dsn, read(MigrationSettings).migrations_dir)
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else " (up to date)"))


if __name__ == "__main__":
    main()
