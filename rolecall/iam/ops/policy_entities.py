"""ListEntitiesForPolicy: the users, groups and roles a managed policy is used by.

A managed policy is used as a permissions policy (attached to users, groups and
roles) or as a permissions boundary (of users and roles).  ``PolicyUsageFilter``
picks one use, ``EntityFilter`` one kind of entity, ``PathPrefix`` filters on the
entities' paths.  The three lists are paged together (groups, then users, then
roles, each by name), so one ``Marker`` continues all of them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, and_, select

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.store import schema as t

from ..lookup import managed_policy_in
from ..paging import page
from .managed_policies import no_such_policy

#: (EntityFilter value, table, attachment principal type, output list, name/id members)
_KINDS: tuple[tuple[str, Table, str, str, str, str], ...] = (
    ("Group", t.groups, "group", "PolicyGroups", "GroupName", "GroupId"),
    ("User", t.users, "user", "PolicyUsers", "UserName", "UserId"),
    ("Role", t.roles, "role", "PolicyRoles", "RoleName", "RoleId"),
)


def _entity_ids(
    conn: Connection,
    account_id: str,
    arn: str,
    table: Table,
    principal_type: str,
    usage: str | None,
) -> set[str]:
    ids: set[str] = set()
    if usage != "PermissionsBoundary":
        rows = conn.execute(
            select(t.attachments.c.principal_id).where(
                and_(
                    t.attachments.c.account_id == account_id,
                    t.attachments.c.policy_arn == arn,
                    t.attachments.c.principal_type == principal_type,
                )
            )
        )
        ids.update(r.principal_id for r in rows)
    if usage != "PermissionsPolicy" and "permissions_boundary" in table.c:
        rows = conn.execute(
            select(table.c.id).where(
                and_(table.c.account_id == account_id, table.c.permissions_boundary == arn)
            )
        )
        ids.update(r.id for r in rows)
    return ids


@operation("iam", "ListEntitiesForPolicy")
def list_entities_for_policy(call: Call) -> dict[str, Any]:
    p = call.params
    arn: str = p["PolicyArn"]
    entity_filter: str | None = p.get("EntityFilter")
    prefix: str = p.get("PathPrefix") or "/"
    usage: str | None = p.get("PolicyUsageFilter")
    items: list[tuple[tuple[str, str, str], str, dict[str, str]]] = []
    with call.runtime.store.read() as conn:
        if call.runtime.catalog.get(arn) is None and (
            managed_policy_in(conn, call.account_id, arn) is None
        ):
            raise no_such_policy(arn)
        for order, (label, table, ptype, out_list, name_key, id_key) in enumerate(_KINDS):
            if entity_filter is not None and entity_filter != label:
                continue
            ids = _entity_ids(conn, call.account_id, arn, table, ptype, usage)
            if not ids:
                continue
            rows = conn.execute(
                select(table.c.id, table.c.name, table.c.name_key).where(
                    and_(
                        table.c.id.in_(sorted(ids)),
                        table.c.path.startswith(prefix, autoescape=True),
                    )
                )
            ).all()
            for r in rows:
                key = (str(order), r.name_key, r.id)
                items.append((key, out_list, {name_key: r.name, id_key: r.id}))
    items.sort(key=lambda item: item[0])
    chunk, extra = page(items, p, lambda item: item[0])
    out: dict[str, Any] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
    for _, out_list, shape in chunk:
        out[out_list].append(shape)
    return {**out, **extra}
