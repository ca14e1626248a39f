"""Service last accessed data (IAM's access advisor), computed from the audit trail.

A report answers, for a user, group, role or managed policy: which services its
permissions policies could reach (:func:`rolecall.policy.services.grants_service`
over the services of :mod:`rolecall.iam.service_catalog`), and for each when the
entities behind it last made a request to that service.  The entities are the
user or the role itself (any of its sessions), a group's members, or every user
and role a managed policy applies to (directly or through a group).

The activity comes from the CloudTrail-format audit trail, which records every
authenticated call, allowed or refused — as AWS counts "attempts" — for the last
400 days.  rolecall serves IAM and STS, so those are the only services that can
show activity.  At ``ACTION_LEVEL`` the IAM and STS entries also list, for every
action the policies could allow, when it was last called.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from rolecall.authz.spec import load_operation_auth
from rolecall.policy import Policy
from rolecall.policy.services import grants_action, grants_service
from rolecall.store import schema as t

from . import arns
from .directory import AccountView
from .lookup import identity_by_arn
from .permission_policies import parsed_policy, permissions_policies
from .records import RoleRecord, UserRecord
from .service_catalog import service_names
from .simulation_inputs import EntityArn

#: How far back activity counts (AWS: "at least the last 400 days").
TRACKING_PERIOD = timedelta(days=400)
#: Services whose actions are tracked one by one at ACTION_LEVEL.
TRACKED_SERVICES = ("iam", "sts")


@dataclass(frozen=True, slots=True)
class Entity:
    """A user or role whose requests count, and how its audit records name it."""

    info: dict[str, str]  # EntityInfo: Arn, Name, Type, Id, Path
    principal_arn: str | None  # a user's requests
    session_prefix: str | None  # a role's sessions: arn:aws:sts::ACCT:assumed-role/NAME/


@dataclass(frozen=True, slots=True)
class Access:
    """The last request of one entity to one service (or action)."""

    time: datetime
    region: str


def user_entity(user: UserRecord) -> Entity:
    """A user, counted by its own ARN."""
    info = {"Arn": user.arn, "Name": user.name, "Type": "USER", "Id": user.id, "Path": user.path}
    return Entity(info, user.arn, None)


def role_entity(account_id: str, role: RoleRecord) -> Entity:
    """A role, counted by the ARNs of its sessions."""
    info = {"Arn": role.arn, "Name": role.name, "Type": "ROLE", "Id": role.id, "Path": role.path}
    prefix = arns.assumed_role_arn(account_id, role.name, "")
    return Entity(info, None, prefix)


def group_members(view: AccountView, group_id: str) -> list[Entity]:
    """The users of a group."""
    rows = view.with_connection(
        lambda conn: conn.execute(
            select(t.group_members.c.user_id)
            .where(t.group_members.c.group_id == group_id)
            .order_by(t.group_members.c.added_seq)
        ).all()
    )
    users = (view.user_by_id(r.user_id) for r in rows)
    return [user_entity(u) for u in users if u is not None]


def policy_entities(view: AccountView, policy_arn: str) -> list[Entity]:
    """Every user and role a managed policy applies to: attached, or through a group."""
    rows = view.with_connection(
        lambda conn: conn.execute(
            select(t.attachments.c.principal_type, t.attachments.c.principal_id)
            .where(
                and_(
                    t.attachments.c.account_id == view.account_id,
                    t.attachments.c.policy_arn == policy_arn,
                )
            )
            .order_by(t.attachments.c.attached_seq)
        ).all()
    )
    out: dict[str, Entity] = {}
    for row in rows:
        if row.principal_type == "user":
            user = view.user_by_id(row.principal_id)
            if user is not None:
                out.setdefault(user.arn, user_entity(user))
        elif row.principal_type == "role":
            role = view.role_by_id(row.principal_id)
            if role is not None:
                out.setdefault(role.arn, role_entity(view.account_id, role))
        else:
            for member in group_members(view, row.principal_id):
                out.setdefault(member.info["Arn"], member)
    return list(out.values())


def identity_target(view: AccountView, arn: EntityArn) -> tuple[list[Policy], list[Entity]]:
    """The permissions policies and the counted entities of a user, group or role."""
    found = identity_by_arn(view, arn)
    policies = [policy for _, policy in permissions_policies(view, arn)]
    if isinstance(found, UserRecord):
        return policies, [user_entity(found)]
    if isinstance(found, RoleRecord):
        return policies, [role_entity(view.account_id, found)]
    return policies, group_members(view, found.id)


def policy_target(
    view: AccountView, policy_arn: str, document: str
) -> tuple[list[Policy], list[Entity]]:
    """A managed policy's own document and the users and roles it applies to."""
    parsed = parsed_policy(document)
    return ([parsed] if parsed is not None else []), policy_entities(view, policy_arn)


def _principal_filter(entity: Entity) -> Any:
    if entity.principal_arn is not None:
        return t.audit_events.c.principal_arn == entity.principal_arn
    assert entity.session_prefix is not None
    return t.audit_events.c.principal_arn.startswith(entity.session_prefix, autoescape=True)


def _activity(
    conn: Connection, account_id: str, entity: Entity, since: datetime
) -> dict[tuple[str, str], Access]:
    """The entity's last request per (service namespace, operation)."""
    events = t.audit_events
    where = and_(
        events.c.account_id == account_id, _principal_filter(entity), events.c.event_time >= since
    )
    rows = conn.execute(
        select(
            events.c.event_source, events.c.event_name, func.max(events.c.event_time).label("last")
        )
        .where(where)
        .group_by(events.c.event_source, events.c.event_name)
    ).all()
    out: dict[tuple[str, str], Access] = {}
    for row in rows:
        record = conn.execute(
            select(events.c.record)
            .where(
                and_(
                    where,
                    events.c.event_source == row.event_source,
                    events.c.event_name == row.event_name,
                    events.c.event_time == row.last,
                )
            )
            .limit(1)
        ).scalar_one()
        namespace = row.event_source.split(".", 1)[0]
        out[(namespace, row.event_name)] = Access(row.last, json.loads(record).get("awsRegion", ""))
    return out


def _latest(accesses: Iterable[tuple[str, Access]]) -> tuple[str, Access] | None:
    best: tuple[str, Access] | None = None
    for arn, access in accesses:
        if best is None or access.time > best[1].time:
            best = (arn, access)
    return best


def _iso(moment: datetime) -> str:
    # Fixed width (microseconds always present), so stored times sort as text.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def build_report(
    view: AccountView,
    policies: list[Policy],
    entities: list[Entity],
    granularity: str,
    now: datetime,
) -> dict[str, Any]:
    """The report as stored: services, entities, and per-service access by entity."""
    since = now - TRACKING_PERIOD
    activity = view.with_connection(
        lambda conn: {e.info["Arn"]: _activity(conn, view.account_id, e, since) for e in entities}
    )
    services: list[dict[str, Any]] = []
    access_by_service: dict[str, dict[str, list[str]]] = {}
    for namespace, name in service_names().items():
        if not any(grants_service(p, namespace) for p in policies):
            continue
        per_entity: dict[str, Access] = {}
        for arn, seen in activity.items():
            latest = _latest((arn, a) for (ns, _), a in seen.items() if ns == namespace)
            if latest is not None:
                per_entity[arn] = latest[1]
        entry: dict[str, Any] = {
            "ServiceName": name,
            "ServiceNamespace": namespace,
            "TotalAuthenticatedEntities": len(per_entity),
        }
        last = _latest(per_entity.items())
        if last is not None:
            entry["LastAuthenticated"] = _iso(last[1].time)
            entry["LastAuthenticatedEntity"] = last[0]
            entry["LastAuthenticatedRegion"] = last[1].region
        if granularity == "ACTION_LEVEL" and namespace in TRACKED_SERVICES:
            entry["TrackedActionsLastAccessed"] = _tracked_actions(namespace, policies, activity)
        services.append(entry)
        access_by_service[namespace] = {
            arn: [_iso(a.time), a.region] for arn, a in per_entity.items()
        }
    return {
        "services": services,
        "entities": [e.info for e in entities],
        "access": access_by_service,
    }


def _tracked_actions(
    namespace: str, policies: list[Policy], activity: dict[str, dict[tuple[str, str], Access]]
) -> list[dict[str, Any]]:
    by_action: dict[str, list[str]] = {}
    for operation, auth in load_operation_auth(namespace).items():
        by_action.setdefault(auth.action, []).append(operation)
    out: list[dict[str, Any]] = []
    for action in sorted(by_action):
        if not any(grants_action(p, action) for p in policies):
            continue
        entry: dict[str, Any] = {"ActionName": action.split(":", 1)[1]}
        last = _latest(
            (arn, seen[(namespace, op)])
            for arn, seen in activity.items()
            for op in by_action[action]
            if (namespace, op) in seen
        )
        if last is not None:
            entry["LastAccessedEntity"] = last[0]
            entry["LastAccessedTime"] = _iso(last[1].time)
            entry["LastAccessedRegion"] = last[1].region
        out.append(entry)
    return out
