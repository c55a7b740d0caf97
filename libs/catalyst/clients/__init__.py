"""Typed clients other services use to call each service (one module per service)."""
