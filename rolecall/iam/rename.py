"""Renaming and moving a named IAM entity (UpdateUser, UpdateGroup, UpdateServerCertificate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.protocol.errors import AWSError


def authorize_new_arn(
    call: Call,
    action: str,
    arn_for: Callable[[str, str], str],
    *,
    current_path: str,
    name: str,
    new_name: str | None,
    new_path: str | None,
) -> None:
    """Renaming or moving needs permission on the new ARN too (AWS checks both).

    ``arn_for(path, name)`` builds the entity's ARN; the old one was authorized
    before the operation ran.
    """
    if new_name is None and new_path is None:
        return
    call.authorize(action, arn_for(new_path or current_path, new_name or name))


def rename(
    conn: Connection,
    table: Any,
    entity_id: str,
    *,
    name: str,
    new_name: str | None,
    new_path: str | None,
    exists: Callable[[str], AWSError],
) -> None:
    """Give the row ``entity_id`` of ``table`` a new name and/or path, inside ``conn``'s
    transaction; a taken name raises ``exists(name)`` (the unique constraint decides,
    so two concurrent renames cannot both win)."""
    values: dict[str, Any] = {}
    if new_name is not None:
        values.update(name=new_name, name_key=new_name.lower())
    if new_path is not None:
        values["path"] = new_path
    if not values:
        return
    try:
        conn.execute(update(table).where(table.c.id == entity_id).values(**values))
    except IntegrityError:
        raise exists(new_name or name) from None
