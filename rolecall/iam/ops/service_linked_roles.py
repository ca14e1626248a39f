"""Service-linked roles: created for an AWS service, deleted through a deletion task.

The service fixes the role's name, path (``/aws-service-role/<service>/``), trust
policy and managed policy (:mod:`rolecall.iam.service_linked`); the account cannot
modify such a role (:mod:`rolecall.iam.protected`) but may delete it with
DeleteServiceLinkedRole.  AWS deletes asynchronously and reports on a deletion
task; no service runs here that could still be using the role, so the deletion
happens at once and its task reports ``SUCCEEDED``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import InvalidInput, LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from .. import arns, ids
from ..lookup import role_in
from ..records import RoleRecord
from ..service_linked import LinkedService, linked_service, trust_policy
from ..shapes import role_shape
from ..tagging import drop_all
from ..trust import display_trust_policy, prepare_trust_policy
from .roles import DEFAULT_MAX_SESSION, MAX_ROLES

MAX_ROLE_NAME = 64
#: ``task/aws-service-role/<service principal>/<role name>/<task id>``, as AWS words it.
TASK_ID = re.compile(r"task/aws-service-role/([\w+=,.@-]+)/([\w+=,.@-]+)/([0-9a-f-]{36})")


def deletion_task_role(task_id: str) -> tuple[str, str] | None:
    """``(service principal, role name)`` of a deletion task id, or ``None`` if malformed."""
    m = TASK_ID.fullmatch(task_id)
    return (m.group(1), m.group(2)) if m else None


def _role_name(service: LinkedService, suffix: str | None) -> str:
    if suffix is None:
        return service.role_name
    if not service.suffix_allowed:
        raise InvalidInput(f"Custom suffix is not allowed for {service.principal}")
    name = f"{service.role_name}_{suffix}"
    if len(name) > MAX_ROLE_NAME:
        raise InvalidInput(
            f"The role name {name} is longer than the {MAX_ROLE_NAME} characters a role "
            "name may have; use a shorter suffix."
        )
    return name


@operation("iam", "CreateServiceLinkedRole", pre_authorize=False)
def create_service_linked_role(call: Call) -> dict[str, Any]:
    p = call.params
    principal: str = p["AWSServiceName"]
    service = linked_service(principal)
    if service is None:
        raise InvalidInput(f"Cannot find Service Linked Role template for {principal}")
    suffix: str | None = p.get("CustomSuffix")
    # The name is the service's, so the authorization table cannot build the ARN:
    # AWS evaluates the role's ARN with the service as iam:AWSServiceName.
    plain = service.role_name if suffix is None else f"{service.role_name}_{suffix}"
    call.authorize(
        "iam:CreateServiceLinkedRole",
        arns.role_arn(call.account_id, service.path, plain),
        {"iam:awsservicename": (principal,)},
    )
    name = _role_name(service, suffix)
    role_id = ids.unique_id(ids.ROLE)
    with call.write() as conn:
        count = conn.execute(
            select(func.count()).select_from(t.roles).where(t.roles.c.account_id == call.account_id)
        ).scalar_one()
        if count >= MAX_ROLES:
            raise LimitExceeded(f"Cannot exceed quota for RolesPerAccount: {MAX_ROLES}")
        try:
            conn.execute(
                insert(t.roles).values(
                    id=role_id,
                    account_id=call.account_id,
                    name=name,
                    name_key=name.lower(),
                    path=service.path,
                    trust_policy=prepare_trust_policy(conn, trust_policy(principal)),
                    description=p.get("Description"),
                    max_session_duration=DEFAULT_MAX_SESSION,
                    created_at=call.now,
                    linked_service=principal,
                )
            )
        except IntegrityError:
            raise InvalidInput(
                f"Service role name {name} has been taken in this account, "
                "please try a different suffix."
            ) from None
        conn.execute(
            insert(t.attachments).values(
                account_id=call.account_id,
                principal_type="role",
                principal_id=role_id,
                policy_arn=service.policy_arn,
                attached_seq=int(call.request.time * 1_000_000),
            )
        )
        role = role_in(conn, call.account_id, name)
        shown = display_trust_policy(conn, role.trust_policy)
    call.touch("role", role.arn)
    return {"Role": role_shape(role, shown)}


def _drop_role(conn: Connection, role: RoleRecord) -> None:
    """Remove a role and everything attached to it."""
    owned = and_(
        t.inline_policies.c.principal_type == "role", t.inline_policies.c.principal_id == role.id
    )
    conn.execute(delete(t.inline_policies).where(owned))
    attached = and_(
        t.attachments.c.principal_type == "role", t.attachments.c.principal_id == role.id
    )
    conn.execute(delete(t.attachments).where(attached))
    conn.execute(
        update(t.instance_profiles)
        .where(t.instance_profiles.c.role_id == role.id)
        .values(role_id=None)
    )
    drop_all(conn, "role", role.id)
    conn.execute(delete(t.roles).where(t.roles.c.id == role.id))


@operation("iam", "DeleteServiceLinkedRole")
def delete_service_linked_role(call: Call) -> dict[str, Any]:
    name: str = call.params["RoleName"]
    with call.write() as conn:
        role = role_in(conn, call.account_id, name)
        if role.linked_service is None:
            raise NoSuchEntity(f"Service-linked role with name {role.name} cannot be found.")
        task_id = f"task/aws-service-role/{role.linked_service}/{role.name}/{uuid.uuid4()}"
        _drop_role(conn, role)
        conn.execute(
            insert(t.service_role_deletions).values(
                task_id=task_id,
                account_id=call.account_id,
                role_name=role.name,
                status="SUCCEEDED",
                created_at=call.now,
            )
        )
    call.touch("role", role.arn)
    return {"DeletionTaskId": task_id}


@operation("iam", "GetServiceLinkedRoleDeletionStatus")
def get_deletion_status(call: Call) -> dict[str, Any]:
    task_id: str = call.params["DeletionTaskId"]
    if deletion_task_role(task_id) is None:
        raise InvalidInput(f"Invalid deletion task id: {task_id}")
    with call.runtime.store.read() as conn:
        row = conn.execute(
            select(t.service_role_deletions).where(
                and_(
                    t.service_role_deletions.c.task_id == task_id,
                    t.service_role_deletions.c.account_id == call.account_id,
                )
            )
        ).first()
    if row is None:
        raise NoSuchEntity(f"Deletion task {task_id} cannot be found.")
    out: dict[str, Any] = {"Status": row.status}
    if row.reason:
        out["Reason"] = {"Reason": row.reason}
    return out
