"""Where the tests' PostgreSQL server and Redis are: the one definition (environment-overridable)."""

from __future__ import annotations

import os

ADMIN_DSN = os.environ.get("CATALYST_TEST_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
"""A superuser connection to the server's admin database: scratch databases are created through it."""

REDIS_URL = os.environ.get("CATALYST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
"""The Redis every test shares, each session and test under a namespace of its own."""
