"""Inline and attached policies of users, groups and roles.

The twelve-by-three operations (Put/Get/Delete/List*Policy, Attach/Detach/
ListAttached*Policies for users, groups and roles) differ only in the kind of
identity, so they are generated from one implementation per operation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.policy import PolicyError, PolicyKind
from rolecall.policy.limits import check_inline_total, policy_size
from rolecall.protocol.errors import LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from ..documents import as_aws_error, check_document
from ..lookup import group_in, role_in, user_in
from ..paging import page
from ..protected import ensure_modifiable
from ..records import RoleRecord
from ..shapes import policy_document_out

MAX_ATTACHED = 10


@dataclass(frozen=True)
class IdentityKind:
    """One kind of identity that policies attach to."""

    type: str  # user | group | role
    noun: str  # User | Group | Role
    load: Callable[[Connection, str, str], Any]

    @property
    def name_param(self) -> str:
        return f"{self.noun}Name"


KINDS = (
    IdentityKind("user", "User", user_in),
    IdentityKind("group", "Group", group_in),
    IdentityKind("role", "Role", role_in),
)


def _identity(conn: Connection, call: Call, kind: IdentityKind, *, modify: bool) -> Any:
    entity = kind.load(conn, call.account_id, call.params[kind.name_param])
    if modify and isinstance(entity, RoleRecord):
        ensure_modifiable(entity)
    return entity


def _policy_name(conn: Connection, arn: str, call: Call) -> str | None:
    aws = call.runtime.catalog.get(arn)
    if aws is not None:
        return aws.name
    row = conn.execute(
        select(t.managed_policies.c.name).where(
            and_(
                t.managed_policies.c.arn == arn, t.managed_policies.c.account_id == call.account_id
            )
        )
    ).first()
    return row.name if row else None


def _put(kind: IdentityKind) -> Callable[[Call], None]:
    def put_policy(call: Call) -> None:
        p = call.params
        name: str = p["PolicyName"]
        document: str = p["PolicyDocument"]
        check_document(document, PolicyKind.IDENTITY)
        with call.write() as conn:
            entity = _identity(conn, call, kind, modify=True)
            where = and_(
                t.inline_policies.c.principal_type == kind.type,
                t.inline_policies.c.principal_id == entity.id,
            )
            others = conn.execute(
                select(t.inline_policies.c.document).where(
                    and_(where, t.inline_policies.c.name_key != name.lower())
                )
            ).all()
            total = sum(policy_size(r.document) for r in others) + policy_size(document)
            try:
                check_inline_total(kind.type, entity.name, total)
            except PolicyError as exc:
                raise as_aws_error(exc) from None
            conn.execute(
                delete(t.inline_policies).where(
                    and_(where, t.inline_policies.c.name_key == name.lower())
                )
            )
            conn.execute(
                insert(t.inline_policies).values(
                    account_id=call.account_id,
                    principal_type=kind.type,
                    principal_id=entity.id,
                    name_key=name.lower(),
                    name=name,
                    document=document,
                )
            )
        call.touch(kind.type, entity.arn)

    return put_policy


def _get(kind: IdentityKind) -> Callable[[Call], dict[str, Any]]:
    def get_policy(call: Call) -> dict[str, Any]:
        name: str = call.params["PolicyName"]
        with call.runtime.store.read() as conn:
            entity = _identity(conn, call, kind, modify=False)
            row = conn.execute(
                select(t.inline_policies.c.name, t.inline_policies.c.document).where(
                    and_(
                        t.inline_policies.c.principal_type == kind.type,
                        t.inline_policies.c.principal_id == entity.id,
                        t.inline_policies.c.name_key == name.lower(),
                    )
                )
            ).first()
        if row is None:
            raise NoSuchEntity(f"The {kind.type} policy with name {name} cannot be found.")
        return {
            kind.name_param: entity.name,
            "PolicyName": row.name,
            "PolicyDocument": policy_document_out(row.document),
        }

    return get_policy


def _delete(kind: IdentityKind) -> Callable[[Call], None]:
    def delete_policy(call: Call) -> None:
        name: str = call.params["PolicyName"]
        with call.write() as conn:
            entity = _identity(conn, call, kind, modify=True)
            result = conn.execute(
                delete(t.inline_policies).where(
                    and_(
                        t.inline_policies.c.principal_type == kind.type,
                        t.inline_policies.c.principal_id == entity.id,
                        t.inline_policies.c.name_key == name.lower(),
                    )
                )
            )
            if result.rowcount == 0:
                raise NoSuchEntity(f"The {kind.type} policy with name {name} cannot be found.")
        call.touch(kind.type, entity.arn)

    return delete_policy


def _list(kind: IdentityKind) -> Callable[[Call], dict[str, Any]]:
    def list_policies(call: Call) -> dict[str, Any]:
        with call.runtime.store.read() as conn:
            entity = _identity(conn, call, kind, modify=False)
            rows = conn.execute(
                select(t.inline_policies.c.name, t.inline_policies.c.name_key)
                .where(
                    and_(
                        t.inline_policies.c.principal_type == kind.type,
                        t.inline_policies.c.principal_id == entity.id,
                    )
                )
                .order_by(t.inline_policies.c.name_key)
            ).all()
        chunk, extra = page(rows, call.params, lambda r: (r.name_key,))
        return {"PolicyNames": [r.name for r in chunk], **extra}

    return list_policies


def _attach(kind: IdentityKind) -> Callable[[Call], None]:
    def attach_policy(call: Call) -> None:
        arn: str = call.params["PolicyArn"]
        with call.write() as conn:
            entity = _identity(conn, call, kind, modify=True)
            if _policy_name(conn, arn, call) is None:
                raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
            where = and_(
                t.attachments.c.principal_type == kind.type,
                t.attachments.c.principal_id == entity.id,
            )
            existing = conn.execute(select(t.attachments.c.policy_arn).where(where)).all()
            if any(r.policy_arn == arn for r in existing):
                return None  # attaching twice is not an error
            if len(existing) >= MAX_ATTACHED:
                raise LimitExceeded(
                    f"Cannot exceed quota for PoliciesPer{kind.noun}: {MAX_ATTACHED}"
                )
            conn.execute(
                insert(t.attachments).values(
                    account_id=call.account_id,
                    principal_type=kind.type,
                    principal_id=entity.id,
                    policy_arn=arn,
                    attached_seq=time.time_ns(),
                )
            )
        call.touch(kind.type, entity.arn)
        call.touch("policy", arn)
        return None

    return attach_policy


def _detach(kind: IdentityKind) -> Callable[[Call], None]:
    def detach_policy(call: Call) -> None:
        arn: str = call.params["PolicyArn"]
        with call.write() as conn:
            entity = _identity(conn, call, kind, modify=True)
            result = conn.execute(
                delete(t.attachments).where(
                    and_(
                        t.attachments.c.principal_type == kind.type,
                        t.attachments.c.principal_id == entity.id,
                        t.attachments.c.policy_arn == arn,
                    )
                )
            )
            if result.rowcount == 0:
                raise NoSuchEntity(f"Policy {arn} was not found.")
        call.touch(kind.type, entity.arn)
        call.touch("policy", arn)

    return detach_policy


def _list_attached(kind: IdentityKind) -> Callable[[Call], dict[str, Any]]:
    def list_attached(call: Call) -> dict[str, Any]:
        prefix = call.params.get("PathPrefix") or "/"
        with call.runtime.store.read() as conn:
            entity = _identity(conn, call, kind, modify=False)
            rows = conn.execute(
                select(t.attachments.c.policy_arn).where(
                    and_(
                        t.attachments.c.principal_type == kind.type,
                        t.attachments.c.principal_id == entity.id,
                    )
                )
            ).all()
            items = []
            for r in rows:
                name = _policy_name(conn, r.policy_arn, call)
                path = r.policy_arn.split(":policy", 1)[1].rsplit("/", 1)[0] + "/"
                if name is not None and path.startswith(prefix):
                    items.append({"PolicyName": name, "PolicyArn": r.policy_arn})
        items.sort(key=lambda i: (i["PolicyName"].lower(), i["PolicyArn"]))
        chunk, extra = page(items, call.params, lambda i: (i["PolicyName"].lower(), i["PolicyArn"]))
        return {"AttachedPolicies": chunk, **extra}

    return list_attached


def attached_count(conn: Connection, kind: str, entity_id: str) -> int:
    """How many managed policies an identity has attached."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(t.attachments)
            .where(
                and_(
                    t.attachments.c.principal_type == kind,
                    t.attachments.c.principal_id == entity_id,
                )
            )
        ).scalar_one()
    )


for _kind in KINDS:
    operation("iam", f"Put{_kind.noun}Policy")(_put(_kind))
    operation("iam", f"Get{_kind.noun}Policy")(_get(_kind))
    operation("iam", f"Delete{_kind.noun}Policy")(_delete(_kind))
    operation("iam", f"List{_kind.noun}Policies")(_list(_kind))
    operation("iam", f"Attach{_kind.noun}Policy")(_attach(_kind))
    operation("iam", f"Detach{_kind.noun}Policy")(_detach(_kind))
    operation("iam", f"ListAttached{_kind.noun}Policies")(_list_attached(_kind))
