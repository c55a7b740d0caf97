"""News service (port 5008)."""
