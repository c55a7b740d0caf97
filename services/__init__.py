"""The nine Catalyst services: thin FastAPI apps over the catalyst library."""
