"""Customer managed policies and their versions; reading AWS managed policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.policy import PolicyKind
from rolecall.protocol.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from rolecall.store import schema as t

from .. import arns, ids
from ..catalog import AwsManagedPolicy, Catalog
from ..documents import check_document
from ..lookup import managed_policy_in
from ..paging import page
from ..records import ManagedPolicyRecord, record
from ..shapes import policy_document_out, policy_shape
from ..tagging import check_request_tags, drop_all, put_tags, remove_tags, tag_list

MAX_VERSIONS = 5
MAX_POLICIES = 1500


def no_such_policy(arn: str) -> NoSuchEntity:
    """AWS's error for a policy ARN that names nothing."""
    return NoSuchEntity(f"Policy {arn} was not found.")


def attachment_count(conn: Connection, account_id: str, arn: str) -> int:
    """How many users, groups and roles of the account have ``arn`` attached."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(t.attachments)
            .where(
                and_(t.attachments.c.account_id == account_id, t.attachments.c.policy_arn == arn)
            )
        ).scalar_one()
    )


def boundary_count(conn: Connection, account_id: str, arn: str) -> int:
    """How many users and roles of the account use ``arn`` as permissions boundary."""
    users = conn.execute(
        select(func.count())
        .select_from(t.users)
        .where(and_(t.users.c.account_id == account_id, t.users.c.permissions_boundary == arn))
    ).scalar_one()
    roles = conn.execute(
        select(func.count())
        .select_from(t.roles)
        .where(and_(t.roles.c.account_id == account_id, t.roles.c.permissions_boundary == arn))
    ).scalar_one()
    return int(users) + int(roles)


def aws_policy_shape(policy: AwsManagedPolicy, attached: int, boundaries: int) -> dict[str, Any]:
    """The ``Policy`` structure of an AWS managed policy."""
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version,
        "AttachmentCount": attached,
        "PermissionsBoundaryUsageCount": boundaries,
        "IsAttachable": True,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }


def _customer(conn: Connection, call: Call, arn: str) -> ManagedPolicyRecord:
    policy = managed_policy_in(conn, call.account_id, arn)
    if policy is None:
        if Catalog.is_aws_arn(arn) and call.runtime.catalog.get(arn) is not None:
            raise InvalidInput(f"Policy {arn} is an AWS managed policy and cannot be modified.")
        raise no_such_policy(arn)
    return policy


@operation("iam", "CreatePolicy")
def create_policy(call: Call) -> dict[str, Any]:
    p = call.params
    name: str = p["PolicyName"]
    path: str = p.get("Path") or "/"
    document: str = p["PolicyDocument"]
    check_document(document, PolicyKind.MANAGED)
    tags = p.get("Tags")
    check_request_tags("policy", tags)
    policy_id = ids.unique_id(ids.POLICY)
    arn = arns.policy_arn(call.account_id, path, name)
    now = call.now
    with call.write() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.managed_policies)
            .where(t.managed_policies.c.account_id == call.account_id)
        ).scalar_one()
        if count >= MAX_POLICIES:
            raise LimitExceeded(f"Cannot exceed quota for PoliciesPerAccount: {MAX_POLICIES}")
        try:
            conn.execute(
                insert(t.managed_policies).values(
                    id=policy_id,
                    account_id=call.account_id,
                    name=name,
                    name_key=name.lower(),
                    path=path,
                    arn=arn,
                    description=p.get("Description"),
                    default_version="v1",
                    next_version=2,
                    created_at=now,
                    updated_at=now,
                )
            )
        except IntegrityError:
            raise EntityAlreadyExists(
                f"A policy called {name} already exists. Duplicate names are not allowed."
            ) from None
        conn.execute(
            insert(t.policy_versions).values(
                policy_id=policy_id, version_id="v1", document=document, created_at=now
            )
        )
        put_tags(conn, call.account_id, "policy", policy_id, tags)
        policy = managed_policy_in(conn, call.account_id, arn)
    assert policy is not None
    call.touch("policy", arn)
    shape = policy_shape(policy, 0, 0, tuple((tg["Key"], tg["Value"]) for tg in tags or ()))
    shape.pop("Description", None)  # CreatePolicy's response omits it, as AWS's does
    return {"Policy": shape}


@operation("iam", "GetPolicy")
def get_policy(call: Call) -> dict[str, Any]:
    arn: str = call.params["PolicyArn"]
    with call.runtime.store.read() as conn:
        aws = call.runtime.catalog.get(arn)
        if aws is not None:
            return {
                "Policy": aws_policy_shape(
                    aws,
                    attachment_count(conn, call.account_id, arn),
                    boundary_count(conn, call.account_id, arn),
                )
            }
        policy = managed_policy_in(conn, call.account_id, arn)
        if policy is None:
            raise no_such_policy(arn)
        return {
            "Policy": policy_shape(
                policy,
                attachment_count(conn, call.account_id, arn),
                boundary_count(conn, call.account_id, arn),
                call.view.tags("policy", policy.id),
            )
        }


@operation("iam", "DeletePolicy")
def delete_policy(call: Call) -> None:
    arn: str = call.params["PolicyArn"]
    with call.write() as conn:
        policy = _customer(conn, call, arn)
        if attachment_count(conn, call.account_id, arn):
            raise DeleteConflict("Cannot delete a policy attached to entities.")
        if boundary_count(conn, call.account_id, arn):
            raise DeleteConflict("Cannot delete a policy used as a permissions boundary.")
        versions = conn.execute(
            select(func.count())
            .select_from(t.policy_versions)
            .where(t.policy_versions.c.policy_id == policy.id)
        ).scalar_one()
        if versions > 1:
            raise DeleteConflict(
                "This policy has more than one version. Before you delete a policy, you must "
                "delete the policy's versions. The default version is deleted with the policy."
            )
        drop_all(conn, "policy", policy.id)
        conn.execute(delete(t.policy_versions).where(t.policy_versions.c.policy_id == policy.id))
        conn.execute(delete(t.managed_policies).where(t.managed_policies.c.id == policy.id))
    call.touch("policy", arn)


@operation("iam", "ListPolicies")
def list_policies(call: Call) -> dict[str, Any]:
    p = call.params
    scope = p.get("Scope") or "All"
    prefix = p.get("PathPrefix") or "/"
    usage = p.get("PolicyUsageFilter")
    with call.runtime.store.read() as conn:
        attached = _attached_counts(conn, call.account_id)
        boundaries = _boundary_counts(conn, call.account_id)
        items: list[tuple[tuple[str, str], dict[str, Any]]] = []
        if scope in ("All", "AWS"):
            for aws in call.runtime.catalog.policies:
                if aws.path.startswith(prefix):
                    shape = aws_policy_shape(
                        aws, attached.get(aws.arn, 0), boundaries.get(aws.arn, 0)
                    )
                    items.append(((aws.name.lower(), aws.arn), shape))
        if scope in ("All", "Local"):
            rows = conn.execute(
                select(t.managed_policies).where(
                    and_(
                        t.managed_policies.c.account_id == call.account_id,
                        t.managed_policies.c.path.startswith(prefix, autoescape=True),
                    )
                )
            ).all()
            for row in rows:
                policy = record(ManagedPolicyRecord, row)
                shape = policy_shape(
                    policy, attached.get(policy.arn, 0), boundaries.get(policy.arn, 0)
                )
                shape.pop("Description", None)  # ListPolicies omits descriptions
                items.append(((policy.name.lower(), policy.arn), shape))
    if p.get("OnlyAttached"):
        items = [i for i in items if i[1]["AttachmentCount"] > 0]
    # PolicyUsageFilter: policies in use as permissions policies (attached) or as
    # permissions boundaries.
    if usage == "PermissionsPolicy":
        items = [i for i in items if i[1]["AttachmentCount"] > 0]
    elif usage == "PermissionsBoundary":
        items = [i for i in items if i[1]["PermissionsBoundaryUsageCount"] > 0]
    items.sort(key=lambda i: i[0])
    chunk, extra = page(items, p, lambda i: i[0])
    return {"Policies": [shape for _, shape in chunk], **extra}


def _attached_counts(conn: Connection, account_id: str) -> dict[str, int]:
    rows = conn.execute(
        select(t.attachments.c.policy_arn, func.count())
        .where(t.attachments.c.account_id == account_id)
        .group_by(t.attachments.c.policy_arn)
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def _boundary_counts(conn: Connection, account_id: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for table in (t.users, t.roles):
        rows = conn.execute(
            select(table.c.permissions_boundary, func.count())
            .where(
                and_(table.c.account_id == account_id, table.c.permissions_boundary.is_not(None))
            )
            .group_by(table.c.permissions_boundary)
        ).all()
        for arn, n in rows:
            out[arn] = out.get(arn, 0) + int(n)
    return out


def _version_shape(
    version_id: str, document: str | None, default: str, created: datetime
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "VersionId": version_id,
        "IsDefaultVersion": version_id == default,
        "CreateDate": created,
    }
    if document is not None:
        out["Document"] = policy_document_out(document)
    return out


@operation("iam", "CreatePolicyVersion")
def create_policy_version(call: Call) -> dict[str, Any]:
    p = call.params
    arn: str = p["PolicyArn"]
    document: str = p["PolicyDocument"]
    check_document(document, PolicyKind.MANAGED)
    with call.write() as conn:
        policy = _customer(conn, call, arn)
        versions = conn.execute(
            select(t.policy_versions.c.version_id).where(t.policy_versions.c.policy_id == policy.id)
        ).all()
        if len(versions) >= MAX_VERSIONS:
            raise LimitExceeded(
                "A managed policy can have up to 5 versions. Before you create a new version, "
                "you must delete an existing version."
            )
        version_id = f"v{policy.next_version}"
        conn.execute(
            insert(t.policy_versions).values(
                policy_id=policy.id, version_id=version_id, document=document, created_at=call.now
            )
        )
        values: dict[str, Any] = {"next_version": policy.next_version + 1, "updated_at": call.now}
        if p.get("SetAsDefault"):
            values["default_version"] = version_id
        conn.execute(
            update(t.managed_policies).where(t.managed_policies.c.id == policy.id).values(**values)
        )
        default = values.get("default_version", policy.default_version)
    call.touch("policy", arn)
    return {"PolicyVersion": _version_shape(version_id, None, default, call.now)}


@operation("iam", "GetPolicyVersion")
def get_policy_version(call: Call) -> dict[str, Any]:
    arn: str = call.params["PolicyArn"]
    version_id: str = call.params["VersionId"]
    aws = call.runtime.catalog.get(arn)
    if aws is not None:
        if version_id != aws.default_version:
            raise NoSuchEntity(
                f"Policy {arn} version {version_id} does not exist or is not attachable."
            )
        return {
            "PolicyVersion": _version_shape(
                version_id, aws.document, aws.default_version, aws.updated_at
            )
        }
    with call.runtime.store.read() as conn:
        policy = managed_policy_in(conn, call.account_id, arn)
        if policy is None:
            raise no_such_policy(arn)
        row = conn.execute(
            select(t.policy_versions).where(
                and_(
                    t.policy_versions.c.policy_id == policy.id,
                    t.policy_versions.c.version_id == version_id,
                )
            )
        ).first()
    if row is None:
        raise NoSuchEntity(
            f"Policy {arn} version {version_id} does not exist or is not attachable."
        )
    return {
        "PolicyVersion": _version_shape(
            version_id, row.document, policy.default_version, row.created_at
        )
    }


@operation("iam", "ListPolicyVersions")
def list_policy_versions(call: Call) -> dict[str, Any]:
    arn: str = call.params["PolicyArn"]
    aws = call.runtime.catalog.get(arn)
    if aws is not None:
        return {
            "Versions": [
                _version_shape(aws.default_version, None, aws.default_version, aws.updated_at)
            ],
            "IsTruncated": False,
        }
    with call.runtime.store.read() as conn:
        policy = managed_policy_in(conn, call.account_id, arn)
        if policy is None:
            raise no_such_policy(arn)
        rows = conn.execute(
            select(t.policy_versions.c.version_id, t.policy_versions.c.created_at).where(
                t.policy_versions.c.policy_id == policy.id
            )
        ).all()
    # Newest first, as IAM lists them.
    rows = sorted(rows, key=lambda r: int(r.version_id[1:]), reverse=True)
    versions = [
        _version_shape(r.version_id, None, policy.default_version, r.created_at) for r in rows
    ]
    chunk, extra = page(
        versions, call.params, lambda v: (f"{10**9 - int(v['VersionId'][1:]):010d}",)
    )
    return {"Versions": chunk, **extra}


@operation("iam", "DeletePolicyVersion")
def delete_policy_version(call: Call) -> None:
    arn: str = call.params["PolicyArn"]
    version_id: str = call.params["VersionId"]
    with call.write() as conn:
        policy = _customer(conn, call, arn)
        if version_id == policy.default_version:
            raise DeleteConflict("Cannot delete the default version of a policy.")
        result = conn.execute(
            delete(t.policy_versions).where(
                and_(
                    t.policy_versions.c.policy_id == policy.id,
                    t.policy_versions.c.version_id == version_id,
                )
            )
        )
        if result.rowcount == 0:
            raise NoSuchEntity(
                f"Policy {arn} version {version_id} does not exist or is not deletable."
            )
    call.touch("policy", arn)


@operation("iam", "SetDefaultPolicyVersion")
def set_default_policy_version(call: Call) -> None:
    arn: str = call.params["PolicyArn"]
    version_id: str = call.params["VersionId"]
    with call.write() as conn:
        policy = _customer(conn, call, arn)
        row = conn.execute(
            select(t.policy_versions.c.version_id).where(
                and_(
                    t.policy_versions.c.policy_id == policy.id,
                    t.policy_versions.c.version_id == version_id,
                )
            )
        ).first()
        if row is None:
            raise NoSuchEntity(
                f"Policy {arn} version {version_id} does not exist or is not attachable."
            )
        conn.execute(
            update(t.managed_policies)
            .where(t.managed_policies.c.id == policy.id)
            .values(default_version=version_id, updated_at=call.now)
        )
    call.touch("policy", arn)


@operation("iam", "TagPolicy")
def tag_policy(call: Call) -> None:
    with call.write() as conn:
        policy = _customer(conn, call, call.params["PolicyArn"])
        put_tags(conn, call.account_id, "policy", policy.id, call.params["Tags"])


@operation("iam", "UntagPolicy")
def untag_policy(call: Call) -> None:
    with call.write() as conn:
        policy = _customer(conn, call, call.params["PolicyArn"])
        remove_tags(conn, "policy", policy.id, call.params["TagKeys"])


@operation("iam", "ListPolicyTags")
def list_policy_tags(call: Call) -> dict[str, Any]:
    arn: str = call.params["PolicyArn"]
    policy = call.view.managed_policy(arn)
    if policy is None:
        if call.runtime.catalog.get(arn) is not None:
            return {"Tags": [], "IsTruncated": False}
        raise no_such_policy(arn)
    return {"Tags": tag_list(call.view.tags("policy", policy.id)), "IsTruncated": False}
