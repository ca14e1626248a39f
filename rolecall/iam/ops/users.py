"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, tags, boundaries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.principal import PrincipalKind
from rolecall.protocol.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    ValidationError,
)
from rolecall.store import schema as t

from .. import arns, ids
from ..boundaries import check_boundary
from ..lookup import get_user, user_in
from ..paging import finish_page, page_query
from ..records import UserRecord, record
from ..rename import authorize_new_arn, rename
from ..shapes import user_shape
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list

MAX_USERS = 5000


def _exists_name(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"User with name {name} already exists.")


@operation("iam", "CreateUser")
def create_user(call: Call) -> dict[str, Any]:
    p = call.params
    name: str = p["UserName"]
    path: str = p.get("Path") or "/"
    tags = p.get("Tags")
    check_request_tags("user", tags)
    user_id = ids.unique_id(ids.USER)
    with call.write() as conn:
        boundary = p.get("PermissionsBoundary")
        if boundary:
            check_boundary(conn, call.runtime.catalog, call.account_id, boundary)
        count = conn.execute(
            select(t.users.c.id).where(t.users.c.account_id == call.account_id).limit(MAX_USERS)
        ).all()
        if len(count) >= MAX_USERS:
            raise LimitExceeded(f"Cannot exceed quota for UsersPerAccount: {MAX_USERS}")
        try:
            conn.execute(
                insert(t.users).values(
                    id=user_id,
                    account_id=call.account_id,
                    name=name,
                    name_key=name.lower(),
                    path=path,
                    created_at=call.now,
                    permissions_boundary=boundary,
                )
            )
        except IntegrityError:
            raise _exists_name(name) from None
        put_tags(conn, call.account_id, "user", user_id, tags)
        user = user_in(conn, call.account_id, name)
    call.touch("user", user.arn)
    return {"User": user_shape(user, tuple((tg["Key"], tg["Value"]) for tg in tags or ()))}


@operation("iam", "GetUser")
def get_user_op(call: Call) -> dict[str, Any]:
    name = call.params.get("UserName")
    if name is None:
        principal = call.principal
        if principal.kind is PrincipalKind.ROOT:
            account = call.view.account
            return {
                "User": {
                    "UserId": account.id,
                    "Arn": arns.root_arn(account.id),
                    "CreateDate": account.created_at,
                }
            }
        if principal.kind is not PrincipalKind.USER:
            raise ValidationError("Must specify userName when calling with non-User credentials")
        name = principal.name
    user = get_user(call.view, name)
    return {"User": user_shape(user, call.view.tags("user", user.id))}


@operation("iam", "ListUsers")
def list_users(call: Call) -> dict[str, Any]:
    prefix = call.params.get("PathPrefix") or "/"
    query = select(t.users).where(
        and_(
            t.users.c.account_id == call.account_id,
            t.users.c.path.startswith(prefix, autoescape=True),
        )
    )
    query, size = page_query(query, [t.users.c.name_key, t.users.c.id], call.params)
    rows = call.view.with_connection(lambda conn: conn.execute(query).all())
    chunk, extra = finish_page(rows, size, lambda r: (r.name_key, r.id))
    users = [record(UserRecord, r) for r in chunk]
    return {"Users": [user_shape(u) for u in users], **extra}


@operation("iam", "UpdateUser")
def update_user(call: Call) -> None:
    p = call.params
    name: str = p["UserName"]
    new_name: str | None = p.get("NewUserName")
    new_path: str | None = p.get("NewPath")
    current = call.view.user(name)
    authorize_new_arn(
        call,
        "iam:UpdateUser",
        lambda path, new: arns.user_arn(call.account_id, path, new),
        current_path=current.path if current else "/",
        name=name,
        new_name=new_name,
        new_path=new_path,
    )
    with call.write() as conn:
        user = user_in(conn, call.account_id, name)
        rename(
            conn,
            t.users,
            user.id,
            name=name,
            new_name=new_name,
            new_path=new_path,
            exists=_exists_name,
        )
    call.touch("user", user.arn)


@operation("iam", "DeleteUser")
def delete_user(call: Call) -> None:
    name: str = call.params["UserName"]
    with call.write() as conn:
        user = user_in(conn, call.account_id, name)
        conflicts = (
            (t.login_profiles.c.user_id, "must delete login profile first."),
            (t.group_members.c.user_id, "must remove users from group first."),
            (t.access_keys.c.user_id, "must delete access keys first."),
            (t.mfa_devices.c.user_id, "must delete MFA device first."),
            (t.signing_certificates.c.user_id, "must delete certificates first."),
            # AWS names no specific object for these two (observed messages).
            (t.ssh_public_keys.c.user_id, "must remove referenced objects first."),
            (
                t.service_specific_credentials.c.user_id,
                "must remove referenced objects first.",
            ),
        )
        for column, message in conflicts:
            if conn.execute(select(exists().where(column == user.id))).scalar():
                raise DeleteConflict(f"Cannot delete entity, {message}")
        owned = and_(
            t.inline_policies.c.principal_type == "user",
            t.inline_policies.c.principal_id == user.id,
        )
        if conn.execute(select(exists().where(owned))).scalar():
            raise DeleteConflict("Cannot delete entity, must delete policies first.")
        attached = and_(
            t.attachments.c.principal_type == "user", t.attachments.c.principal_id == user.id
        )
        if conn.execute(select(exists().where(attached))).scalar():
            raise DeleteConflict("Cannot delete entity, must detach all policies first.")
        drop_all(conn, "user", user.id)
        conn.execute(delete(t.users).where(t.users.c.id == user.id))
    call.touch("user", user.arn)


@operation("iam", "TagUser")
def tag_user(call: Call) -> None:
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        put_tags(conn, call.account_id, "user", user.id, call.params["Tags"])


@operation("iam", "UntagUser")
def untag_user(call: Call) -> None:
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        remove_tags(conn, "user", user.id, call.params["TagKeys"])


@operation("iam", "ListUserTags")
def list_user_tags(call: Call) -> dict[str, Any]:
    user = get_user(call.view, call.params["UserName"])
    return {"Tags": tag_list(call.view.tags("user", user.id)), "IsTruncated": False}


@operation("iam", "PutUserPermissionsBoundary")
def put_user_boundary(call: Call) -> None:
    arn: str = call.params["PermissionsBoundary"]
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        check_boundary(conn, call.runtime.catalog, call.account_id, arn)
        conn.execute(
            update(t.users).where(t.users.c.id == user.id).values(permissions_boundary=arn)
        )


@operation("iam", "DeleteUserPermissionsBoundary")
def delete_user_boundary(call: Call) -> None:
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        conn.execute(
            update(t.users).where(t.users.c.id == user.id).values(permissions_boundary=None)
        )
