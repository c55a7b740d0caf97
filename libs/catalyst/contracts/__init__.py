"""API request/response models of each service (one module per service)."""
