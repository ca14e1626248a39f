"""IAM groups and their members.

A group holds users (a user is in at most :data:`MAX_GROUPS_PER_USER` groups) and
policies; its inline and attached policies are handled with the other identities'
in :mod:`.identity_policies`, and a user's permissions include those of every
group it belongs to (:mod:`rolecall.iam.principal_policies`).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
)
from rolecall.store import schema as t

from .. import arns, ids
from ..lookup import get_group, get_user, group_in, user_in
from ..paging import finish_page, page_query
from ..records import GroupRecord, UserRecord, record
from ..rename import authorize_new_arn, rename
from ..shapes import group_shape, user_shape

MAX_GROUPS = 300
MAX_GROUPS_PER_USER = 10


def _exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"Group with name {name} already exists.")


@operation("iam", "CreateGroup")
def create_group(call: Call) -> dict[str, Any]:
    name: str = call.params["GroupName"]
    path: str = call.params.get("Path") or "/"
    with call.write() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.groups)
            .where(t.groups.c.account_id == call.account_id)
        ).scalar_one()
        if count >= MAX_GROUPS:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerAccount: {MAX_GROUPS}")
        try:
            conn.execute(
                insert(t.groups).values(
                    id=ids.unique_id(ids.GROUP),
                    account_id=call.account_id,
                    name=name,
                    name_key=name.lower(),
                    path=path,
                    created_at=call.now,
                )
            )
        except IntegrityError:
            raise _exists(name) from None
        group = group_in(conn, call.account_id, name)
    call.touch("group", group.arn)
    return {"Group": group_shape(group)}


@operation("iam", "GetGroup")
def get_group_op(call: Call) -> dict[str, Any]:
    group = get_group(call.view, call.params["GroupName"])
    query = (
        select(t.users)
        .join(t.group_members, t.group_members.c.user_id == t.users.c.id)
        .where(t.group_members.c.group_id == group.id)
    )
    query, size = page_query(query, [t.users.c.name_key, t.users.c.id], call.params)
    rows = call.view.with_connection(lambda conn: conn.execute(query).all())
    chunk, extra = finish_page(rows, size, lambda r: (r.name_key, r.id))
    users = [user_shape(record(UserRecord, r)) for r in chunk]
    return {"Group": group_shape(group), "Users": users, **extra}


@operation("iam", "ListGroups")
def list_groups(call: Call) -> dict[str, Any]:
    prefix = call.params.get("PathPrefix") or "/"
    query = select(t.groups).where(
        and_(
            t.groups.c.account_id == call.account_id,
            t.groups.c.path.startswith(prefix, autoescape=True),
        )
    )
    query, size = page_query(query, [t.groups.c.name_key, t.groups.c.id], call.params)
    rows = call.view.with_connection(lambda conn: conn.execute(query).all())
    chunk, extra = finish_page(rows, size, lambda r: (r.name_key, r.id))
    return {"Groups": [group_shape(record(GroupRecord, r)) for r in chunk], **extra}


@operation("iam", "ListGroupsForUser")
def list_groups_for_user(call: Call) -> dict[str, Any]:
    user = get_user(call.view, call.params["UserName"])
    query = (
        select(t.groups)
        .join(t.group_members, t.group_members.c.group_id == t.groups.c.id)
        .where(t.group_members.c.user_id == user.id)
    )
    query, size = page_query(query, [t.groups.c.name_key, t.groups.c.id], call.params)
    rows = call.view.with_connection(lambda conn: conn.execute(query).all())
    chunk, extra = finish_page(rows, size, lambda r: (r.name_key, r.id))
    return {"Groups": [group_shape(record(GroupRecord, r)) for r in chunk], **extra}


@operation("iam", "UpdateGroup")
def update_group(call: Call) -> None:
    p = call.params
    name: str = p["GroupName"]
    new_name: str | None = p.get("NewGroupName")
    new_path: str | None = p.get("NewPath")
    current = call.view.group(name)
    authorize_new_arn(
        call,
        "iam:UpdateGroup",
        lambda path, new: arns.group_arn(call.account_id, path, new),
        current_path=current.path if current else "/",
        name=name,
        new_name=new_name,
        new_path=new_path,
    )
    with call.write() as conn:
        group = group_in(conn, call.account_id, name)
        rename(
            conn,
            t.groups,
            group.id,
            name=name,
            new_name=new_name,
            new_path=new_path,
            exists=_exists,
        )
    call.touch("group", group.arn)


@operation("iam", "DeleteGroup")
def delete_group(call: Call) -> None:
    with call.write() as conn:
        group = group_in(conn, call.account_id, call.params["GroupName"])
        if conn.execute(select(exists().where(t.group_members.c.group_id == group.id))).scalar():
            raise DeleteConflict("Cannot delete entity, must remove users from group first.")
        owned = and_(
            t.inline_policies.c.principal_type == "group",
            t.inline_policies.c.principal_id == group.id,
        )
        if conn.execute(select(exists().where(owned))).scalar():
            raise DeleteConflict("Cannot delete entity, must delete policies first.")
        attached = and_(
            t.attachments.c.principal_type == "group", t.attachments.c.principal_id == group.id
        )
        if conn.execute(select(exists().where(attached))).scalar():
            raise DeleteConflict("Cannot delete entity, must detach all policies first.")
        conn.execute(delete(t.groups).where(t.groups.c.id == group.id))
    call.touch("group", group.arn)


@operation("iam", "AddUserToGroup")
def add_user_to_group(call: Call) -> None:
    with call.write() as conn:
        group = group_in(conn, call.account_id, call.params["GroupName"])
        user = user_in(conn, call.account_id, call.params["UserName"])
        memberships = conn.execute(
            select(t.group_members.c.group_id).where(t.group_members.c.user_id == user.id)
        ).all()
        if any(m.group_id == group.id for m in memberships):
            return  # adding a member again is not an error
        if len(memberships) >= MAX_GROUPS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}")
        conn.execute(
            insert(t.group_members).values(
                group_id=group.id, user_id=user.id, added_seq=time.time_ns()
            )
        )
    call.touch("group", group.arn)
    call.touch("user", user.arn)


@operation("iam", "RemoveUserFromGroup")
def remove_user_from_group(call: Call) -> None:
    with call.write() as conn:
        group = group_in(conn, call.account_id, call.params["GroupName"])
        user = user_in(conn, call.account_id, call.params["UserName"])
        result = conn.execute(
            delete(t.group_members).where(
                and_(t.group_members.c.group_id == group.id, t.group_members.c.user_id == user.id)
            )
        )
        if result.rowcount == 0:
            raise NoSuchEntity(f"The user with name {call.params['UserName']} cannot be found.")
    call.touch("group", group.arn)
    call.touch("user", user.arn)
