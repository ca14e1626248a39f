"""Authorize an operation before it runs, from the authorization table.

For each operation ``rolecall/data/*-authorization.json`` says which action is
evaluated on which resource ARN with which condition keys (see
docs/authorization-table.md).  This module turns that into one policy engine
question per action and raises AccessDenied on refusal — before the operation
looks at whether its target exists, as AWS does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rolecall.auth.principal import PrincipalKind
from rolecall.authz.spec import ConditionKeyUse, OperationAuth, ResourceSpec, load_service_auth
from rolecall.iam import arns
from rolecall.iam.lookup import server_certificate_target

from .call import Call
from .context import request_tag_keys, resource_tag_keys

_PARTITION = arns.PARTITION


@dataclass(frozen=True, slots=True)
class Target:
    """The resource an operation acts on, as the policy engine sees it."""

    arn: str
    #: the stored entity's tags (empty for new or missing entities)
    tags: tuple[tuple[str, str], ...] = ()
    #: the stored entity's permissions boundary ARN, if it has one
    boundary: str | None = None


def param(params: Mapping[str, Any], path: str) -> Any:
    """A request parameter by dotted path (``A.B``; ``A[].B`` collects from a list)."""
    value: Any = params
    for part in path.split("."):
        if value is None:
            return None
        if part.endswith("[]"):
            items = value.get(part[:-2]) if isinstance(value, Mapping) else None
            value = list(items or [])
            continue
        if isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, Mapping)]
        elif isinstance(value, Mapping):
            value = value.get(part)
        else:
            return None
    return value


def resolve_target(call: Call, spec: ResourceSpec) -> Target:
    """The ARN (and, for stored entities, tags and boundary) an operation acts on."""
    service = load_service_auth(call.service)
    account = call.account_id
    kind = spec.kind
    if kind == "none" or not spec.types:
        return Target("*")
    rtype = service.resource_types[spec.types[0]]
    if kind == "list":
        prefix = param(call.params, spec.path_prefix_param) if spec.path_prefix_param else None
        return Target(
            rtype.format_prefix_arn(
                partition=_PARTITION, account=account, path_prefix=prefix or "/"
            )
        )
    if kind == "request":
        name = param(call.params, spec.param) if spec.param else None
        path = param(call.params, spec.path_param) if spec.path_param else None
        if spec.transform == "stripScheme" and isinstance(name, str):
            name = name.split("://", 1)[-1]
        return Target(
            rtype.format_arn(
                partition=_PARTITION, account=account, name=str(name or ""), path=path or "/"
            )
        )
    if kind == "arn":
        value = param(call.params, spec.param) if spec.param else None
        return _stored_by_arn(call, str(value or "*"))
    if kind in ("entity", "caller", "derived"):
        return _stored_entity(call, spec, rtype.name)
    if kind == "accountRoot":
        return Target(arns.root_arn(account))
    # serviceLinkedRole, renamed, generated: the handler authorizes these itself.
    return Target("*")


def _caller_user_target(call: Call) -> Target:
    principal = call.principal
    if principal.kind is PrincipalKind.USER:
        user = call.view.user_by_id(principal.user_id or "")
        if user is not None:
            return Target(user.arn, call.view.tags("user", user.id), user.permissions_boundary)
        return Target(principal.arn)
    if principal.kind is PrincipalKind.ROOT:
        return Target(principal.arn)
    # AWS evaluates user/<session-name> for a role session that omits UserName.
    name = principal.session.name if principal.session else principal.name
    return Target(arns.user_arn(principal.account_id, "/", name))


def _stored_entity(call: Call, spec: ResourceSpec, rtype: str) -> Target:
    name = param(call.params, spec.param) if spec.param else None
    if name is None and (spec.default == "caller" or spec.kind == "caller"):
        return _caller_user_target(call)
    view = call.view
    account = call.account_id
    if spec.kind == "derived" and rtype == "user" and isinstance(name, str):
        key = view.access_key(name)
        if key is not None and key.user_id is not None:
            owner = view.user_by_id(key.user_id)
            if owner is not None:
                return Target(owner.arn, view.tags("user", owner.id), owner.permissions_boundary)
        if key is not None and key.user_id is None:
            return Target(arns.root_arn(account))
        return _caller_user_target(call)
    if spec.kind == "derived" and rtype == "role" and isinstance(name, str):
        return _deletion_task_role(call, name)
    if not isinstance(name, str):
        return Target("*")
    if rtype == "user":
        user = view.user(name)
        if user is not None:
            return Target(user.arn, view.tags("user", user.id), user.permissions_boundary)
        return Target(arns.user_arn(account, "/", name))
    if rtype == "role":
        role = view.role(name)
        if role is not None:
            return Target(role.arn, view.tags("role", role.id), role.permissions_boundary)
        return Target(arns.role_arn(account, "/", name))
    if rtype == "group":
        group = view.group(name)
        return Target(group.arn if group is not None else arns.group_arn(account, "/", name))
    if rtype == "instance-profile":
        profile = view.instance_profile(name)
        if profile is not None:
            return Target(profile.arn, view.tags("instance-profile", profile.id))
        return Target(arns.instance_profile_arn(account, "/", name))
    if rtype == "server-certificate":
        return _server_certificate(call, name)
    if rtype == "mfa":
        return _stored_by_arn(
            call, name if name.startswith("arn:") else arns.mfa_arn(account, "/", name)
        )
    return Target(name)


_DELETION_TASK = re.compile(r"task/aws-service-role/([^/]+)/([^/]+)/[^/]+")


def _deletion_task_role(call: Call, task_id: str) -> Target:
    """The role a deletion task (``task/aws-service-role/<svc>/<role>/<id>``) deletes."""
    m = _DELETION_TASK.fullmatch(task_id)
    if m is None:
        return Target("*")
    path = f"/aws-service-role/{m.group(1)}/"
    role = call.view.role(m.group(2))
    if role is not None and role.path == path:
        return Target(role.arn, call.view.tags("role", role.id), role.permissions_boundary)
    return Target(arns.role_arn(call.account_id, path, m.group(2)))


def _server_certificate(call: Call, name: str) -> Target:
    # Server certificates are rare and not part of the cached account view: one read.
    with call.runtime.store.read() as conn:
        found = server_certificate_target(conn, call.account_id, name)
    if found is None:
        return Target(arns.server_certificate_arn(call.account_id, "/", name))
    return Target(found[0], found[1])


def _stored_by_arn(call: Call, arn: str) -> Target:
    view = call.view
    if ":policy/" in arn:
        policy = view.managed_policy(arn)
        return Target(arn, view.tags("policy", policy.id) if policy is not None else ())
    if ":oidc-provider/" in arn:
        return Target(arn, view.tags("oidc-provider", arn))
    if ":saml-provider/" in arn:
        return Target(arn, view.tags("saml-provider", arn))
    if ":mfa/" in arn:
        return Target(arn, view.tags("mfa", arn))
    # A user or role named by ARN (SimulatePrincipalPolicy's PolicySourceArn): its
    # tags are iam:ResourceTag/* keys of the request, as for a name parameter.
    name = arn.rpartition("/")[2]
    if ":user/" in arn:
        user = view.user(name)
        if user is not None and user.arn == arn:
            return Target(arn, view.tags("user", user.id), user.permissions_boundary)
    elif ":role/" in arn:
        role = view.role(name)
        if role is not None and role.arn == arn:
            return Target(arn, view.tags("role", role.id), role.permissions_boundary)
    return Target(arn)


def condition_values(
    call: Call, keys: tuple[ConditionKeyUse, ...], target: Target
) -> dict[str, tuple[str, ...]]:
    """Operation-specific condition keys for one authorization question.

    The tags of a stored target are always present (``aws:ResourceTag/*`` and
    ``iam:ResourceTag/*``): they are keys of the resource type, which the
    reference lists with the resource rather than with each action.
    """
    out: dict[str, tuple[str, ...]] = resource_tag_keys(target.tags)
    for use in keys:
        key = use.key.lower()
        if use.source == "param" and use.param:
            value = param(call.params, use.param)
            if value is None:
                continue
            out[key] = tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
        elif use.source == "tags" and use.param:
            out.update(
                {
                    k: v
                    for k, v in request_tag_keys(param(call.params, use.param)).items()
                    if k != "aws:tagkeys"
                }
            )
        elif use.source == "tagKeys" and use.param:
            value = param(call.params, use.param)
            if value:
                keys_ = [v["Key"] if isinstance(v, Mapping) else str(v) for v in value]
                out["aws:tagkeys"] = tuple(keys_)
        elif use.source == "resource":
            if key == "iam:permissionsboundary" and target.boundary:
                out[key] = (target.boundary,)
            elif key.startswith(("aws:resourcetag/", "iam:resourcetag/")):
                out.update(resource_tag_keys(target.tags))
    return out


def preauthorize(call: Call, auth: OperationAuth) -> Target:
    """Authorize ``call`` as the table says; returns the target for the handler's use."""
    target = resolve_target(call, auth.resource)
    if not auth.requires_authorization or auth.evaluation != "identity":
        return target
    call.authorize(auth.action, target.arn, condition_values(call, auth.condition_keys, target))
    for extra in auth.additional_actions:
        if extra.when and not any(param(call.params, p) is not None for p in extra.when):
            continue
        if extra.resource.kind == "renamed":
            # The new name's ARN needs the stored entity's path: the handler asks.
            continue
        extra_target = resolve_target(call, extra.resource)
        call.authorize(
            extra.action,
            extra_target.arn,
            condition_values(call, extra.condition_keys, extra_target),
        )
    return target
