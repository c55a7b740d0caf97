"""PostgreSQL access: the pool, migrations and the bar store."""

from catalyst.db.held import HeldConnection
from catalyst.db.pool import Database

__all__ = ["Database", "HeldConnection"]
