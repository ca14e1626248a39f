"""Alembic migrations of rolecall's schema (applied automatically at start)."""
