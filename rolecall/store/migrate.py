"""Bring the database schema up to date, safely when several processes start at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from .engine import Store

_MIGRATIONS = Path(__file__).parent / "migrations"
# An arbitrary constant naming rolecall's advisory lock on PostgreSQL.
_PG_LOCK_ID = 0x726F6C6563616C6C


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def upgrade(store: Store) -> None:
    """Apply every pending migration.

    Concurrent starters are serialised: on PostgreSQL by an advisory lock, on
    SQLite by the write lock of ``BEGIN IMMEDIATE``; whoever comes second finds the
    schema current and does nothing.
    """
    config = alembic_config()
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _PG_LOCK_ID})
            try:
                conn.commit()
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _PG_LOCK_ID})
                conn.commit()
        return
    with store.write() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
