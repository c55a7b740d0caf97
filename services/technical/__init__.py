"""Technical service (port 5003)."""
