"""IAM roles: create, read, list, update, delete, trust policy, tags, boundary."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded
from rolecall.store import schema as t

from .. import ids
from ..boundaries import check_boundary
from ..lookup import get_role, role_in
from ..paging import finish_page, page_query
from ..protected import ensure_modifiable
from ..records import RoleRecord, record
from ..shapes import role_shape
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list
from ..trust import display_trust_policies, display_trust_policy, prepare_trust_policy

MAX_ROLES = 1000
DEFAULT_MAX_SESSION = 3600

# The statements of the create/delete path, built once (building a SQLAlchemy
# statement costs more than running it).
_ROLE_ID: Any = bindparam("role_id")
_COUNT_ROLES = (
    select(func.count()).select_from(t.roles).where(t.roles.c.account_id == bindparam("account_id"))
)
_INSERT_ROLE = insert(t.roles)
_DELETE_ROLE = delete(t.roles).where(t.roles.c.id == _ROLE_ID)
_IN_PROFILE = select(exists().where(t.instance_profiles.c.role_id == _ROLE_ID))
_HAS_INLINE = select(
    exists().where(
        and_(
            t.inline_policies.c.principal_type == "role",
            t.inline_policies.c.principal_id == _ROLE_ID,
        )
    )
)
_HAS_ATTACHED = select(
    exists().where(
        and_(t.attachments.c.principal_type == "role", t.attachments.c.principal_id == _ROLE_ID)
    )
)


@operation("iam", "CreateRole")
def create_role(call: Call) -> dict[str, Any]:
    p = call.params
    name: str = p["RoleName"]
    tags = p.get("Tags")
    check_request_tags("role", tags)
    role_id = ids.unique_id(ids.ROLE)
    with call.write() as conn:
        trust = prepare_trust_policy(conn, p["AssumeRolePolicyDocument"])
        boundary = p.get("PermissionsBoundary")
        if boundary:
            check_boundary(conn, call.runtime.catalog, call.account_id, boundary)
        count = conn.execute(_COUNT_ROLES, {"account_id": call.account_id}).scalar_one()
        if count >= MAX_ROLES:
            raise LimitExceeded(f"Cannot exceed quota for RolesPerAccount: {MAX_ROLES}")
        try:
            conn.execute(
                _INSERT_ROLE,
                {
                    "id": role_id,
                    "account_id": call.account_id,
                    "name": name,
                    "name_key": name.lower(),
                    "path": p.get("Path") or "/",
                    "trust_policy": trust,
                    "description": p.get("Description"),
                    "max_session_duration": p.get("MaxSessionDuration") or DEFAULT_MAX_SESSION,
                    "permissions_boundary": boundary,
                    "created_at": call.now,
                },
            )
        except IntegrityError:
            raise EntityAlreadyExists(f"Role with name {name} already exists.") from None
        put_tags(conn, call.account_id, "role", role_id, tags)
        role = role_in(conn, call.account_id, name)
        shown = display_trust_policy(conn, role.trust_policy)
    call.touch("role", role.arn)
    return {"Role": role_shape(role, shown, tuple((tg["Key"], tg["Value"]) for tg in tags or ()))}


def _fresh_role(call: Call, name: str) -> RoleRecord:
    # RoleLastUsed is bookkeeping outside the cached view: read the row itself.
    with call.runtime.store.read() as conn:
        return role_in(conn, call.account_id, name)


@operation("iam", "GetRole")
def get_role_op(call: Call) -> dict[str, Any]:
    name: str = call.params["RoleName"]
    get_role(call.view, name)
    role = _fresh_role(call, name)
    with call.runtime.store.read() as conn:
        shown = display_trust_policy(conn, role.trust_policy)
    return {"Role": role_shape(role, shown, call.view.tags("role", role.id), last_used=True)}


@operation("iam", "ListRoles")
def list_roles(call: Call) -> dict[str, Any]:
    prefix = call.params.get("PathPrefix") or "/"
    query = select(t.roles).where(
        and_(
            t.roles.c.account_id == call.account_id,
            t.roles.c.path.startswith(prefix, autoescape=True),
        )
    )
    query, size = page_query(query, [t.roles.c.name_key, t.roles.c.id], call.params)
    with call.runtime.store.read() as conn:
        rows = conn.execute(query).all()
        chunk, extra = finish_page(rows, size, lambda r: (r.name_key, r.id))
        roles = [record(RoleRecord, r) for r in chunk]
        shown = display_trust_policies(conn, [r.trust_policy for r in roles])
        shapes = [role_shape(r, trust) for r, trust in zip(roles, shown, strict=True)]
    return {"Roles": shapes, **extra}


@operation("iam", "UpdateRole")
def update_role(call: Call) -> dict[str, Any]:
    p = call.params
    values: dict[str, Any] = {}
    if "Description" in p:
        values["description"] = p["Description"]
    if p.get("MaxSessionDuration") is not None:
        values["max_session_duration"] = p["MaxSessionDuration"]
    with call.write() as conn:
        role = role_in(conn, call.account_id, p["RoleName"])
        ensure_modifiable(role)
        if values:
            conn.execute(update(t.roles).where(t.roles.c.id == role.id).values(**values))
    return {}


@operation("iam", "UpdateRoleDescription")
def update_role_description(call: Call) -> dict[str, Any]:
    p = call.params
    with call.write() as conn:
        role = role_in(conn, call.account_id, p["RoleName"])
        ensure_modifiable(role)
        conn.execute(
            update(t.roles).where(t.roles.c.id == role.id).values(description=p["Description"])
        )
        role = role_in(conn, call.account_id, p["RoleName"])
        shown = display_trust_policy(conn, role.trust_policy)
    return {"Role": role_shape(role, shown, call.refresh().tags("role", role.id))}


@operation("iam", "UpdateAssumeRolePolicy")
def update_assume_role_policy(call: Call) -> None:
    p = call.params
    with call.write() as conn:
        role = role_in(conn, call.account_id, p["RoleName"])
        ensure_modifiable(role)
        trust = prepare_trust_policy(conn, p["PolicyDocument"])
        conn.execute(update(t.roles).where(t.roles.c.id == role.id).values(trust_policy=trust))
    call.touch("role", role.arn)


@operation("iam", "DeleteRole")
def delete_role(call: Call) -> None:
    name: str = call.params["RoleName"]
    with call.write() as conn:
        role = role_in(conn, call.account_id, name)
        ensure_modifiable(role)
        _check_role_unused(conn, role)
        drop_all(conn, "role", role.id)
        conn.execute(_DELETE_ROLE, {"role_id": role.id})
    call.touch("role", role.arn)


def _check_role_unused(conn: Any, role: RoleRecord) -> None:
    ids_ = {"role_id": role.id}
    if conn.execute(_IN_PROFILE, ids_).scalar():
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    if conn.execute(_HAS_INLINE, ids_).scalar():
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if conn.execute(_HAS_ATTACHED, ids_).scalar():
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")


@operation("iam", "TagRole")
def tag_role(call: Call) -> None:
    with call.write() as conn:
        role = role_in(conn, call.account_id, call.params["RoleName"])
        put_tags(conn, call.account_id, "role", role.id, call.params["Tags"])


@operation("iam", "UntagRole")
def untag_role(call: Call) -> None:
    with call.write() as conn:
        role = role_in(conn, call.account_id, call.params["RoleName"])
        remove_tags(conn, "role", role.id, call.params["TagKeys"])


@operation("iam", "ListRoleTags")
def list_role_tags(call: Call) -> dict[str, Any]:
    role = get_role(call.view, call.params["RoleName"])
    return {"Tags": tag_list(call.view.tags("role", role.id)), "IsTruncated": False}


@operation("iam", "PutRolePermissionsBoundary")
def put_role_boundary(call: Call) -> None:
    arn: str = call.params["PermissionsBoundary"]
    with call.write() as conn:
        role = role_in(conn, call.account_id, call.params["RoleName"])
        ensure_modifiable(role)
        check_boundary(conn, call.runtime.catalog, call.account_id, arn)
        conn.execute(
            update(t.roles).where(t.roles.c.id == role.id).values(permissions_boundary=arn)
        )


@operation("iam", "DeleteRolePermissionsBoundary")
def delete_role_boundary(call: Call) -> None:
    with call.write() as conn:
        role = role_in(conn, call.account_id, call.params["RoleName"])
        ensure_modifiable(role)
        conn.execute(
            update(t.roles).where(t.roles.c.id == role.id).values(permissions_boundary=None)
        )
