"""Instance profiles: containers for (at most) one role that EC2 instances run as."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
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

from .. import ids
from ..lookup import role_in
from ..paging import finish_page, page_query
from ..protected import ensure_modifiable
from ..records import InstanceProfileRecord, RoleRecord, record
from ..shapes import policy_document_out
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list
from ..trust import display_trust_policy
from ._tag_pages import tag_page

TAG_TYPE = "instance-profile"
MAX_PROFILES = 1000
MAX_ROLES_PER_PROFILE = 1


def no_such_profile(name: str) -> NoSuchEntity:
    """AWS's error for a missing instance profile."""
    return NoSuchEntity(f"Instance Profile {name} cannot be found.")


def profile_in(conn: Connection, account_id: str, name: str) -> InstanceProfileRecord:
    """The instance profile ``name`` (case-insensitive), or NoSuchEntity."""
    row = conn.execute(
        select(t.instance_profiles).where(
            and_(
                t.instance_profiles.c.account_id == account_id,
                t.instance_profiles.c.name_key == name.lower(),
            )
        )
    ).first()
    if row is None:
        raise no_such_profile(name)
    return record(InstanceProfileRecord, row)  # type: ignore[no-any-return]


def _role_entry(conn: Connection, role: RoleRecord) -> dict[str, Any]:
    # Instance profiles show their role with this subset of the Role structure.
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.created_at,
        "AssumeRolePolicyDocument": policy_document_out(
            display_trust_policy(conn, role.trust_policy)
        ),
    }


def _shapes(conn: Connection, profiles: list[InstanceProfileRecord]) -> list[dict[str, Any]]:
    """The ``InstanceProfile`` structures (without tags) of ``profiles``, roles included."""
    role_ids = {p.role_id for p in profiles if p.role_id is not None}
    roles: dict[str, RoleRecord] = {}
    if role_ids:
        rows = conn.execute(select(t.roles).where(t.roles.c.id.in_(role_ids))).all()
        roles = {r.id: record(RoleRecord, r) for r in rows}
    out = []
    for profile in profiles:
        role = roles.get(profile.role_id) if profile.role_id else None
        out.append(
            {
                "Path": profile.path,
                "InstanceProfileName": profile.name,
                "InstanceProfileId": profile.id,
                "Arn": profile.arn,
                "CreateDate": profile.created_at,
                "Roles": [_role_entry(conn, role)] if role is not None else [],
            }
        )
    return out


@operation("iam", "CreateInstanceProfile")
def create_instance_profile(call: Call) -> dict[str, Any]:
    p = call.params
    name: str = p["InstanceProfileName"]
    tags = p.get("Tags")
    check_request_tags(TAG_TYPE, tags)
    profile_id = ids.unique_id(ids.INSTANCE_PROFILE)
    with call.write() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.instance_profiles)
            .where(t.instance_profiles.c.account_id == call.account_id)
        ).scalar_one()
        if count >= MAX_PROFILES:
            raise LimitExceeded(
                f"Cannot exceed quota for InstanceProfilesPerAccount: {MAX_PROFILES}"
            )
        try:
            conn.execute(
                insert(t.instance_profiles).values(
                    id=profile_id,
                    account_id=call.account_id,
                    name=name,
                    name_key=name.lower(),
                    path=p.get("Path") or "/",
                    created_at=call.now,
                )
            )
        except IntegrityError:
            raise EntityAlreadyExists(f"Instance Profile {name} already exists.") from None
        put_tags(conn, call.account_id, TAG_TYPE, profile_id, tags)
        profile = profile_in(conn, call.account_id, name)
        shape = _shapes(conn, [profile])[0]
    call.touch("instance-profile", profile.arn)
    if tags:
        shape["Tags"] = tag_list((tg["Key"], tg["Value"]) for tg in tags)
    return {"InstanceProfile": shape}


@operation("iam", "GetInstanceProfile")
def get_instance_profile(call: Call) -> dict[str, Any]:
    name: str = call.params["InstanceProfileName"]
    with call.runtime.store.read() as conn:
        profile = profile_in(conn, call.account_id, name)
        shape = _shapes(conn, [profile])[0]
    shape["Tags"] = tag_list(call.view.tags(TAG_TYPE, profile.id))
    return {"InstanceProfile": shape}


def _paged_list(call: Call, where: Any) -> dict[str, Any]:
    query = select(t.instance_profiles).where(where)
    query, size = page_query(
        query, [t.instance_profiles.c.name_key, t.instance_profiles.c.id], call.params
    )
    with call.runtime.store.read() as conn:
        rows = conn.execute(query).all()
        chunk, extra = finish_page(rows, size, lambda r: (r.name_key, r.id))
        shapes = _shapes(conn, [record(InstanceProfileRecord, r) for r in chunk])
    return {"InstanceProfiles": shapes, **extra}


@operation("iam", "ListInstanceProfiles")
def list_instance_profiles(call: Call) -> dict[str, Any]:
    prefix = call.params.get("PathPrefix") or "/"
    return _paged_list(
        call,
        and_(
            t.instance_profiles.c.account_id == call.account_id,
            t.instance_profiles.c.path.startswith(prefix, autoescape=True),
        ),
    )


@operation("iam", "ListInstanceProfilesForRole")
def list_instance_profiles_for_role(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        role = role_in(conn, call.account_id, call.params["RoleName"])
    return _paged_list(
        call,
        and_(
            t.instance_profiles.c.account_id == call.account_id,
            t.instance_profiles.c.role_id == role.id,
        ),
    )


@operation("iam", "DeleteInstanceProfile")
def delete_instance_profile(call: Call) -> None:
    name: str = call.params["InstanceProfileName"]
    with call.write() as conn:
        profile = profile_in(conn, call.account_id, name)
        if profile.role_id is not None:
            raise DeleteConflict(
                "Cannot delete entity, must remove roles from instance profile first."
            )
        drop_all(conn, TAG_TYPE, profile.id)
        conn.execute(delete(t.instance_profiles).where(t.instance_profiles.c.id == profile.id))
    call.touch("instance-profile", profile.arn)


@operation("iam", "AddRoleToInstanceProfile")
def add_role_to_instance_profile(call: Call) -> None:
    with call.write() as conn:
        profile = profile_in(conn, call.account_id, call.params["InstanceProfileName"])
        role = role_in(conn, call.account_id, call.params["RoleName"])
        ensure_modifiable(role)
        # Only one role fits, whichever it is (adding the same role again included).
        if profile.role_id is not None:
            raise LimitExceeded(
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: "
                f"{MAX_ROLES_PER_PROFILE}"
            )
        conn.execute(
            update(t.instance_profiles)
            .where(t.instance_profiles.c.id == profile.id)
            .values(role_id=role.id)
        )
    call.touch("instance-profile", profile.arn)
    call.touch("role", role.arn)


@operation("iam", "RemoveRoleFromInstanceProfile")
def remove_role_from_instance_profile(call: Call) -> None:
    with call.write() as conn:
        profile = profile_in(conn, call.account_id, call.params["InstanceProfileName"])
        role = role_in(conn, call.account_id, call.params["RoleName"])
        ensure_modifiable(role)
        if profile.role_id != role.id:
            raise NoSuchEntity(
                f"Role {role.name} in Instance Profile {profile.name} cannot be found."
            )
        conn.execute(
            update(t.instance_profiles)
            .where(t.instance_profiles.c.id == profile.id)
            .values(role_id=None)
        )
    call.touch("instance-profile", profile.arn)
    call.touch("role", role.arn)


@operation("iam", "TagInstanceProfile")
def tag_instance_profile(call: Call) -> None:
    with call.write() as conn:
        profile = profile_in(conn, call.account_id, call.params["InstanceProfileName"])
        put_tags(conn, call.account_id, TAG_TYPE, profile.id, call.params["Tags"])


@operation("iam", "UntagInstanceProfile")
def untag_instance_profile(call: Call) -> None:
    with call.write() as conn:
        profile = profile_in(conn, call.account_id, call.params["InstanceProfileName"])
        remove_tags(conn, TAG_TYPE, profile.id, call.params["TagKeys"])


@operation("iam", "ListInstanceProfileTags")
def list_instance_profile_tags(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        profile = profile_in(conn, call.account_id, call.params["InstanceProfileName"])
    return tag_page(call.view.tags(TAG_TYPE, profile.id), call.params)
