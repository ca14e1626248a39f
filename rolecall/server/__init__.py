"""The HTTP endpoint: one ASGI app serving every rolecall service."""
