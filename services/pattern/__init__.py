"""Pattern service (port 5002)."""
