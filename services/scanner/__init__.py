"""Scanner service (port 5001)."""
