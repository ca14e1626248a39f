"""The Alembic migrations produce exactly the schema in rolecall/store/schema.py."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from rolecall.store.engine import Store
from rolecall.store.migrate import upgrade
from rolecall.store.schema import metadata

PG_ADMIN = os.environ.get("ROLECALL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = os.environ.get("ROLECALL_TEST_BACKENDS", "sqlite,postgresql").split(",")


def _assert_current(store: Store) -> None:
    upgrade(store)
    upgrade(store)  # a second run is a no-op
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, metadata) == []


def test_sqlite_migrations_match_schema(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        _assert_current(store)
    finally:
        store.dispose()


def test_postgresql_migrations_match_schema() -> None:
    if "postgresql" not in BACKENDS:
        pytest.skip("PostgreSQL backend not selected")
    name = f"rolecall_mig_{uuid.uuid4().hex[:10]}"
    subprocess.run(
        ["psql", PG_ADMIN, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True
    )
    store = Store(f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}")
    try:
        _assert_current(store)
    finally:
        store.dispose()
        subprocess.run(
            ["psql", PG_ADMIN, "-q", "-c", f"DROP DATABASE {name} WITH (FORCE)"], check=False
        )
