"""Find entities or fail with AWS's NoSuchEntity message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from rolecall.protocol.errors import NoSuchEntity
from rolecall.store import schema as t

from . import arns
from .directory import AccountView, by_name_query
from .records import GroupRecord, ManagedPolicyRecord, RoleRecord, UserRecord, record
from .simulation_inputs import EntityArn


def no_such_user(name: str) -> NoSuchEntity:
    """AWS's error for a missing user."""
    return NoSuchEntity(f"The user with name {name} cannot be found.")


def no_such_role(name: str) -> NoSuchEntity:
    """AWS's error for a missing role."""
    return NoSuchEntity(f"The role with name {name} cannot be found.")


def no_such_group(name: str) -> NoSuchEntity:
    """AWS's error for a missing group."""
    return NoSuchEntity(f"The group with name {name} cannot be found.")


def get_user(view: AccountView, name: str) -> UserRecord:
    """The user ``name`` or NoSuchEntity."""
    user = view.user(name)
    if user is None:
        raise no_such_user(name)
    return user


def get_role(view: AccountView, name: str) -> RoleRecord:
    """The role ``name`` or NoSuchEntity."""
    role = view.role(name)
    if role is None:
        raise no_such_role(name)
    return role


def get_group(view: AccountView, name: str) -> GroupRecord:
    """The group ``name`` or NoSuchEntity."""
    group = view.group(name)
    if group is None:
        raise no_such_group(name)
    return group


def identity_by_arn(view: AccountView, arn: EntityArn) -> UserRecord | GroupRecord | RoleRecord:
    """The user, group or role an entity ARN names in ``view``'s account, or NoSuchEntity."""
    if arn.account != view.account_id:
        missing = {"user": no_such_user, "group": no_such_group, "role": no_such_role}
        raise missing[arn.kind](arn.name)
    if arn.kind == "user":
        return get_user(view, arn.name)
    if arn.kind == "group":
        return get_group(view, arn.name)
    return get_role(view, arn.name)


def _row(conn: Connection, table: Any, account_id: str, name: str) -> Any:
    return conn.execute(
        by_name_query(table), {"account_id": account_id, "name_key": name.lower()}
    ).first()


def user_in(conn: Connection, account_id: str, name: str) -> UserRecord:
    """The user ``name`` read inside a transaction, or NoSuchEntity."""
    row = _row(conn, t.users, account_id, name)
    if row is None:
        raise no_such_user(name)
    return record(UserRecord, row)  # type: ignore[no-any-return]


def role_in(conn: Connection, account_id: str, name: str) -> RoleRecord:
    """The role ``name`` read inside a transaction, or NoSuchEntity."""
    row = _row(conn, t.roles, account_id, name)
    if row is None:
        raise no_such_role(name)
    return record(RoleRecord, row)  # type: ignore[no-any-return]


def group_in(conn: Connection, account_id: str, name: str) -> GroupRecord:
    """The group ``name`` read inside a transaction, or NoSuchEntity."""
    row = _row(conn, t.groups, account_id, name)
    if row is None:
        raise no_such_group(name)
    return record(GroupRecord, row)  # type: ignore[no-any-return]


def managed_policy_in(conn: Connection, account_id: str, arn: str) -> ManagedPolicyRecord | None:
    """A customer managed policy of ``account_id`` by ARN, read inside a transaction."""
    row = conn.execute(
        select(t.managed_policies).where(
            and_(t.managed_policies.c.arn == arn, t.managed_policies.c.account_id == account_id)
        )
    ).first()
    return record(ManagedPolicyRecord, row) if row else None


def server_certificate_target(
    conn: Connection, account_id: str, name: str
) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """A stored server certificate's ARN and tags (what authorization needs), or None."""
    row = _row(conn, t.server_certificates, account_id, name)
    if row is None:
        return None
    tags = conn.execute(
        select(t.tags.c.key, t.tags.c.value).where(
            and_(
                t.tags.c.resource_type == "server-certificate",
                t.tags.c.resource_id == row.id,
            )
        )
    ).all()
    arn = arns.server_certificate_arn(account_id, row.path, row.name)
    return arn, tuple(sorted((r.key, r.value) for r in tags))
