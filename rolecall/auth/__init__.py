"""rolecall.auth."""
