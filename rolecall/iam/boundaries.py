"""Permissions boundaries: which policies may serve as one."""

from __future__ import annotations

from sqlalchemy import Connection

from rolecall.protocol.errors import NoSuchEntity

from .catalog import Catalog
from .lookup import managed_policy_in


def check_boundary(conn: Connection, catalog: Catalog, account_id: str, arn: str) -> None:
    """A boundary must be an existing managed policy (AWS managed or the account's own)."""
    if catalog.get(arn) is not None:
        return
    if managed_policy_in(conn, account_id, arn) is None:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
