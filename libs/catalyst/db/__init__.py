"""PostgreSQL access: the pool, migrations and the bar store."""

from catalyst.db.pool import Database

__all__ = ["Database"]
