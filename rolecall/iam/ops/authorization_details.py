"""GetAccountAuthorizationDetails: every identity and managed policy with its permissions.

The result is four lists — users, groups, roles, managed policies — each entity
with its inline policies, attached policies and, for policies, every version.
``Filter`` picks entity types; ``MaxItems``/``Marker`` page over the four lists
together, in that order, each sorted by name.  AWS managed policies appear only
while they are in use in the account (attached, or a permissions boundary).

Paging first orders the lightweight keys of every candidate entity and cuts the
page from them; only the entities on the page are then read in full.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, select

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.store import schema as t

from .. import arns as arn_names
from ..catalog import AwsManagedPolicy
from ..paging import page
from ..records import GroupRecord, ManagedPolicyRecord, RoleRecord, UserRecord, record
from ..shapes import boundary_shape, policy_document_out, policy_shape
from ..tagging import tag_list
from ..trust import display_trust_policy
from .managed_policies import aws_policy_shape

ENTITY_TYPES = ("User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy")
_ORDER = {
    "User": "0",
    "Group": "1",
    "Role": "2",
    "LocalManagedPolicy": "3",
    "AWSManagedPolicy": "3",
}


@dataclass(frozen=True, slots=True)
class _Key:
    """One entity of the result: its type, and the sort key the marker encodes."""

    entity_type: str
    name_key: str
    ident: str

    @property
    def sort(self) -> tuple[str, str, str]:
        return (_ORDER[self.entity_type], self.name_key, self.ident)


def _keys(conn: Connection, call: Call, wanted: set[str]) -> list[_Key]:
    account = call.account_id
    out: list[_Key] = []
    for entity_type, table in (
        ("User", t.users),
        ("Group", t.groups),
        ("Role", t.roles),
        ("LocalManagedPolicy", t.managed_policies),
    ):
        if entity_type in wanted:
            rows = conn.execute(
                select(table.c.name_key, table.c.id).where(table.c.account_id == account)
            )
            out += [_Key(entity_type, r.name_key, r.id) for r in rows]
    if "AWSManagedPolicy" in wanted:
        for arn in _aws_policies_in_use(conn, call):
            aws = call.runtime.catalog.get(arn)
            if aws is not None:
                out.append(_Key("AWSManagedPolicy", aws.name.lower(), arn))
    return sorted(out, key=lambda k: k.sort)


def _aws_policies_in_use(conn: Connection, call: Call) -> set[str]:
    arns = {
        r.policy_arn
        for r in conn.execute(
            select(t.attachments.c.policy_arn)
            .where(t.attachments.c.account_id == call.account_id)
            .distinct()
        )
    }
    for table in (t.users, t.roles):
        arns |= {
            r.permissions_boundary
            for r in conn.execute(
                select(table.c.permissions_boundary).where(
                    and_(
                        table.c.account_id == call.account_id,
                        table.c.permissions_boundary.is_not(None),
                    )
                )
            )
        }
    return {a for a in arns if call.runtime.catalog.get(a) is not None}


def _by_principal(rows: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.principal_id].append(row)
    return grouped


class _Loader:
    """Batched reads of the related rows of the entities on one page."""

    def __init__(self, conn: Connection, call: Call) -> None:
        self.conn = conn
        self.call = call

    def inline(self, kind: str, ids: list[str]) -> dict[str, list[dict[str, str]]]:
        rows = self.conn.execute(
            select(t.inline_policies)
            .where(
                and_(
                    t.inline_policies.c.principal_type == kind,
                    t.inline_policies.c.principal_id.in_(ids),
                )
            )
            .order_by(t.inline_policies.c.name_key)
        )
        return {
            pid: [
                {"PolicyName": r.name, "PolicyDocument": policy_document_out(r.document)}
                for r in items
            ]
            for pid, items in _by_principal(rows).items()
        }

    def attached(self, kind: str, ids: list[str]) -> dict[str, list[dict[str, str]]]:
        rows = list(
            self.conn.execute(
                select(t.attachments)
                .where(
                    and_(
                        t.attachments.c.principal_type == kind,
                        t.attachments.c.principal_id.in_(ids),
                    )
                )
                .order_by(t.attachments.c.attached_seq, t.attachments.c.policy_arn)
            )
        )
        names = self.policy_names({r.policy_arn for r in rows})
        return {
            pid: [
                {"PolicyName": names[r.policy_arn], "PolicyArn": r.policy_arn}
                for r in items
                if r.policy_arn in names
            ]
            for pid, items in _by_principal(rows).items()
        }

    def policy_names(self, policy_arns: set[str]) -> dict[str, str]:
        names = {}
        for arn in policy_arns:
            aws = self.call.runtime.catalog.get(arn)
            if aws is not None:
                names[arn] = aws.name
        rest = policy_arns - set(names)
        if rest:
            rows = self.conn.execute(
                select(t.managed_policies.c.arn, t.managed_policies.c.name).where(
                    and_(
                        t.managed_policies.c.account_id == self.call.account_id,
                        t.managed_policies.c.arn.in_(rest),
                    )
                )
            )
            names.update({r.arn: r.name for r in rows})
        return names

    def tags(self, resource_type: str, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        rows = self.conn.execute(
            select(t.tags)
            .where(and_(t.tags.c.resource_type == resource_type, t.tags.c.resource_id.in_(ids)))
            .order_by(t.tags.c.key_id)
        )
        grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in rows:
            grouped[r.resource_id].append((r.key, r.value))
        return {rid: tag_list(pairs) for rid, pairs in grouped.items()}

    def rows(self, table: Any, ids: list[str], cls: type[Any]) -> list[Any]:
        found = self.conn.execute(select(table).where(table.c.id.in_(ids))).all()
        by_id = {r.id: record(cls, r) for r in found}
        return [by_id[i] for i in ids if i in by_id]

    def counts(self, column: Any, table: Any, values: list[str]) -> dict[str, int]:
        rows = self.conn.execute(
            select(column, func.count())
            .select_from(table)
            .where(and_(table.c.account_id == self.call.account_id, column.in_(values)))
            .group_by(column)
        )
        return {r[0]: int(r[1]) for r in rows}


def _entity(noun: str, entity: Any) -> dict[str, Any]:
    """The members every user, group and role detail starts with."""
    return {
        "Path": entity.path,
        f"{noun}Name": entity.name,
        f"{noun}Id": entity.id,
        "Arn": entity.arn,
        "CreateDate": entity.created_at,
    }


def _users(load: _Loader, ids: list[str]) -> list[dict[str, Any]]:
    users: list[UserRecord] = load.rows(t.users, ids, UserRecord)
    inline, attached, tags = (
        load.inline("user", ids),
        load.attached("user", ids),
        load.tags("user", ids),
    )
    groups: dict[str, list[str]] = defaultdict(list)
    for r in load.conn.execute(
        select(t.group_members.c.user_id, t.groups.c.name)
        .join(t.groups, t.groups.c.id == t.group_members.c.group_id)
        .where(t.group_members.c.user_id.in_(ids))
        .order_by(t.group_members.c.added_seq)
    ):
        groups[r.user_id].append(r.name)
    out = []
    for u in users:
        item = _entity("User", u)
        item.update(
            UserPolicyList=inline.get(u.id, []),
            GroupList=groups.get(u.id, []),
            AttachedManagedPolicies=attached.get(u.id, []),
            Tags=tags.get(u.id, []),
        )
        if u.permissions_boundary:
            item["PermissionsBoundary"] = boundary_shape(u.permissions_boundary)
        out.append(item)
    return out


def _groups(load: _Loader, ids: list[str]) -> list[dict[str, Any]]:
    groups: list[GroupRecord] = load.rows(t.groups, ids, GroupRecord)
    inline, attached = load.inline("group", ids), load.attached("group", ids)
    return [
        {
            **_entity("Group", g),
            "GroupPolicyList": inline.get(g.id, []),
            "AttachedManagedPolicies": attached.get(g.id, []),
        }
        for g in groups
    ]


def _role_entry(conn: Connection, role: RoleRecord) -> dict[str, Any]:
    return {
        **_entity("Role", role),
        "AssumeRolePolicyDocument": policy_document_out(
            display_trust_policy(conn, role.trust_policy)
        ),
    }


def _roles(load: _Loader, ids: list[str]) -> list[dict[str, Any]]:
    roles: list[RoleRecord] = load.rows(t.roles, ids, RoleRecord)
    inline, attached, tags = (
        load.inline("role", ids),
        load.attached("role", ids),
        load.tags("role", ids),
    )
    profiles: dict[str, list[Any]] = defaultdict(list)
    rows = load.conn.execute(
        select(t.instance_profiles)
        .where(t.instance_profiles.c.role_id.in_(ids))
        .order_by(t.instance_profiles.c.name_key)
    ).all()
    profile_tags = load.tags("instance-profile", [r.id for r in rows])
    for r in rows:
        profiles[r.role_id].append(r)
    out = []
    for role in roles:
        entry = _role_entry(load.conn, role)
        item = {
            **entry,
            "InstanceProfileList": [
                {
                    "Path": p.path,
                    "InstanceProfileName": p.name,
                    "InstanceProfileId": p.id,
                    "Arn": arn_names.instance_profile_arn(p.account_id, p.path, p.name),
                    "CreateDate": p.created_at,
                    "Roles": [entry],
                    "Tags": profile_tags.get(p.id, []),
                }
                for p in profiles.get(role.id, [])
            ],
            "RolePolicyList": inline.get(role.id, []),
            "AttachedManagedPolicies": attached.get(role.id, []),
            "Tags": tags.get(role.id, []),
            "RoleLastUsed": _last_used(role),
        }
        if role.permissions_boundary:
            item["PermissionsBoundary"] = boundary_shape(role.permissions_boundary)
        out.append(item)
    return out


def _last_used(role: RoleRecord) -> dict[str, Any]:
    used: dict[str, Any] = {}
    if role.last_used_at is not None:
        used["LastUsedDate"] = role.last_used_at
        if role.last_used_region:
            used["Region"] = role.last_used_region
    return used


def _version(version_id: str, document: str, default: str, created: Any) -> dict[str, Any]:
    return {
        "Document": policy_document_out(document),
        "VersionId": version_id,
        "IsDefaultVersion": version_id == default,
        "CreateDate": created,
    }


def _policies(load: _Loader, keys: list[_Key]) -> list[dict[str, Any]]:
    local_ids = [k.ident for k in keys if k.entity_type == "LocalManagedPolicy"]
    local = {p.id: p for p in load.rows(t.managed_policies, local_ids, ManagedPolicyRecord)}
    arns = [p.arn for p in local.values()] + [
        k.ident for k in keys if k.entity_type == "AWSManagedPolicy"
    ]
    attached = load.counts(t.attachments.c.policy_arn, t.attachments, arns)
    boundaries: dict[str, int] = defaultdict(int)
    for table in (t.users, t.roles):
        for arn, n in load.counts(table.c.permissions_boundary, table, arns).items():
            boundaries[arn] += n
    versions: dict[str, list[Any]] = defaultdict(list)
    for r in load.conn.execute(
        select(t.policy_versions).where(t.policy_versions.c.policy_id.in_(local_ids))
    ):
        versions[r.policy_id].append(r)
    out = []
    for key in keys:
        if key.entity_type == "AWSManagedPolicy":
            aws: AwsManagedPolicy | None = load.call.runtime.catalog.get(key.ident)
            if aws is None:
                continue
            shape = aws_policy_shape(aws, attached.get(aws.arn, 0), boundaries[aws.arn])
            shape["PolicyVersionList"] = [
                _version(aws.default_version, aws.document, aws.default_version, aws.updated_at)
            ]
        else:
            policy = local.get(key.ident)
            if policy is None:
                continue
            shape = policy_shape(policy, attached.get(policy.arn, 0), boundaries[policy.arn])
            ordered = sorted(versions[policy.id], key=lambda v: int(v.version_id[1:]), reverse=True)
            shape["PolicyVersionList"] = [
                _version(v.version_id, v.document, policy.default_version, v.created_at)
                for v in ordered
            ]
        out.append(shape)
    return out


_BUILDERS: dict[str, tuple[str, Callable[[_Loader, list[str]], list[dict[str, Any]]]]] = {
    "User": ("UserDetailList", _users),
    "Group": ("GroupDetailList", _groups),
    "Role": ("RoleDetailList", _roles),
}


@operation("iam", "GetAccountAuthorizationDetails")
def get_account_authorization_details(call: Call) -> dict[str, Any]:
    wanted = set(call.params.get("Filter") or ENTITY_TYPES)
    with call.runtime.store.read() as conn:
        keys = _keys(conn, call, wanted)
        chunk, extra = page(keys, call.params, lambda k: k.sort)
        load = _Loader(conn, call)
        result: dict[str, Any] = {}
        for entity_type, (member, build) in _BUILDERS.items():
            ids = [k.ident for k in chunk if k.entity_type == entity_type]
            result[member] = build(load, ids) if ids else []
        result["Policies"] = _policies(
            load, [k for k in chunk if k.entity_type.endswith("ManagedPolicy")]
        )
    return {**result, **extra}
