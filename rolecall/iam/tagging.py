"""Tags on IAM entities: AWS's rules, storage and the Tag*/Untag*/List*Tags operations' core.

Rules (IAM User Guide, "Tagging IAM resources"): at most 50 tags per resource;
keys 1–128 and values 0–256 characters of letters, digits, spaces and
``_.:/=+-@`` (the model's patterns check those); keys may not start with
``aws:``; a request may not name one key twice.  For users and roles tag keys
are case-insensitive (``Dept`` replaces ``dept``) but keep their case; for other
IAM resources they are case-sensitive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select

from rolecall.protocol.errors import InvalidInput, LimitExceeded
from rolecall.store import schema as t

MAX_TAGS = 50
CASE_INSENSITIVE = frozenset({"user", "role"})


def _key_id(resource_type: str, key: str) -> str:
    return key.lower() if resource_type in CASE_INSENSITIVE else key


def check_request_tags(resource_type: str, tags: Sequence[dict[str, str]] | None) -> None:
    """Validate a request's Tags list (before anything is written)."""
    if not tags:
        return
    seen: set[str] = set()
    for tag in tags:
        key = tag["Key"]
        if key.lower().startswith("aws:"):
            raise InvalidInput("User-defined tag keys can't start with 'aws:'.")
        kid = _key_id(resource_type, key)
        if kid in seen:
            raise InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(kid)
    if len(tags) > MAX_TAGS:
        raise LimitExceeded(f"The number of tags has reached the maximum limit of {MAX_TAGS}.")


def put_tags(
    conn: Connection,
    account_id: str,
    resource_type: str,
    resource_id: str,
    tags: Sequence[dict[str, str]] | None,
) -> None:
    """Add or replace tags, enforcing the per-resource maximum."""
    if not tags:
        return
    check_request_tags(resource_type, tags)
    ids = [_key_id(resource_type, tag["Key"]) for tag in tags]
    where = and_(t.tags.c.resource_type == resource_type, t.tags.c.resource_id == resource_id)
    conn.execute(delete(t.tags).where(and_(where, t.tags.c.key_id.in_(ids))))
    existing = conn.execute(select(func.count()).select_from(t.tags).where(where)).scalar_one()
    if existing + len(tags) > MAX_TAGS:
        raise LimitExceeded(f"The number of tags has reached the maximum limit of {MAX_TAGS}.")
    conn.execute(
        insert(t.tags),
        [
            {
                "account_id": account_id,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "key_id": kid,
                "key": tag["Key"],
                "value": tag["Value"],
            }
            for kid, tag in zip(ids, tags, strict=True)
        ],
    )


def remove_tags(
    conn: Connection, resource_type: str, resource_id: str, keys: Iterable[str]
) -> None:
    """Remove tags by key (absent keys are ignored, as in AWS)."""
    ids = [_key_id(resource_type, k) for k in keys]
    conn.execute(
        delete(t.tags).where(
            and_(
                t.tags.c.resource_type == resource_type,
                t.tags.c.resource_id == resource_id,
                t.tags.c.key_id.in_(ids),
            )
        )
    )


_DROP_ALL = delete(t.tags).where(
    and_(
        t.tags.c.resource_type == bindparam("resource_type"),
        t.tags.c.resource_id == bindparam("resource_id"),
    )
)


def drop_all(conn: Connection, resource_type: str, resource_id: str) -> None:
    """Remove every tag of a deleted resource."""
    conn.execute(_DROP_ALL, {"resource_type": resource_type, "resource_id": resource_id})


def tag_list(pairs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """Tags as the API's ``[{"Key": ..., "Value": ...}]`` list."""
    return [{"Key": k, "Value": v} for k, v in pairs]
