"""rolecall.cli."""
