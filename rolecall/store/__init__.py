"""Persistence: the SQL schema, migrations, and transactions on SQLite or PostgreSQL."""
