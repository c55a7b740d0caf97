"""Domain model shared by every service: pydantic models at every boundary."""
