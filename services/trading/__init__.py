"""Trading service (port 5005): order execution through the configured broker."""
