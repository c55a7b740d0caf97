"""Risk Manager service (port 5004): pre-trade validation, limits, emergency stop."""
