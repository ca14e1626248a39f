"""AssumeRole: temporary credentials for a role, allowed by its trust policy.

Decided by the policy engine with the role's trust policy as the resource-based
policy and the caller's own policies on the identity side, so AWS's rules fall
out of the evaluation logic: within one account a trust policy that names the
caller (user or session ARN) is enough, one that names the account needs the
caller's identity-based policies to allow ``sts:AssumeRole`` too; across accounts
both sides must allow.  Service principals in a trust policy never match a user.
"""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.context import request_tag_keys
from rolecall.api.registry import operation
from rolecall.auth.principal import PrincipalKind, Session, SessionKind
from rolecall.iam import arns
from rolecall.iam.records import RoleRecord
from rolecall.policy import PolicyError, PolicyKind, ResourcePolicies, compile_policy, policy_group
from rolecall.protocol.errors import AccessDenied, InvalidParameterValue

from ..mfa_check import mfa_time
from ..sessions import (
    check_session_policies,
    check_tags,
    new_key_pair,
    packed_size,
    role_duration,
    role_session_result,
)


def _denied(call: Call, role_arn: str) -> AccessDenied:
    return AccessDenied(
        f"User: {call.principal.arn} is not authorized to perform: sts:AssumeRole "
        f"on resource: {role_arn}"
    )


def find_role(call: Call, role_arn: str) -> RoleRecord | None:
    """The role a RoleArn names (path included), in any account of this store."""
    parts = arns.split_arn(role_arn)
    if parts is None or parts[1] != "iam" or not parts[4].startswith("role/"):
        return None
    _, path, name = arns.path_and_name(parts[4])
    view = call.view_of(parts[3])
    if view is None:
        return None
    role = view.role(name)
    if role is None or role.path != path:
        return None
    return role


def trust_group(role: RoleRecord) -> Any:
    """The role's trust policy, compiled, as a resource-policy group."""
    try:
        return policy_group([compile_policy(role.trust_policy, PolicyKind.TRUST)])
    except PolicyError:
        # Stored trust policies were validated when written; one that no longer
        # parses trusts nobody.
        return policy_group([])


@operation("sts", "AssumeRole", pre_authorize=False)
def assume_role(call: Call) -> dict[str, Any]:
    p = call.params
    caller = call.principal
    role_arn: str = p["RoleArn"]
    if caller.kind is PrincipalKind.ROOT:
        raise AccessDenied("Roles may not be assumed by root accounts.")
    if caller.kind is PrincipalKind.FEDERATED_USER:
        raise _denied(call, role_arn)
    role = find_role(call, role_arn)
    if role is None:
        raise _denied(call, role_arn)
    call.touch("role", role.arn)
    previous = caller.session
    duration = role_duration(role, p.get("DurationSeconds"), chained=previous is not None)

    tags: list[dict[str, str]] = list(p.get("Tags") or [])
    transitive: list[str] = list(p.get("TransitiveTagKeys") or [])
    check_tags(tags, transitive)
    inherited: list[tuple[str, str]] = []
    if previous is not None and previous.kind is SessionKind.ROLE and previous.transitive_tag_keys:
        wanted = {k.lower() for k in previous.transitive_tag_keys}
        inherited = [(k, v) for k, v in previous.tags if k.lower() in wanted]
        requested = {t["Key"].lower() for t in tags}
        clash = [k for k, _ in inherited if k.lower() in requested]
        if clash:
            raise InvalidParameterValue(
                "One or more session tags conflict with transitive session tags of the "
                f"calling session: {', '.join(clash)}"
            )

    source_identity: str | None = p.get("SourceIdentity")
    inherited_source = previous.source_identity if previous is not None else None
    if (
        inherited_source is not None
        and source_identity is not None
        and source_identity != inherited_source
    ):
        raise AccessDenied("The source identity of a session cannot be changed once it is set.")

    role_view = call.view_of(role.account_id)
    check_session_policies(
        role_view,
        p.get("Policy"),
        (p.get("PolicyArns") and [a["arn"] for a in p["PolicyArns"]]) or [],
    )
    policy_arns = tuple(a["arn"] for a in p.get("PolicyArns") or [])
    all_tags = [(t["Key"], t["Value"]) for t in tags] + inherited
    packed = packed_size(p.get("Policy"), policy_arns, all_tags)

    mfa_at = mfa_time(call, p.get("SerialNumber"), p.get("TokenCode"))
    extra: dict[str, tuple[str, ...]] = {"sts:rolesessionname": (p["RoleSessionName"],)}
    if p.get("ExternalId") is not None:
        extra["sts:externalid"] = (p["ExternalId"],)
    if source_identity is not None:
        extra["sts:sourceidentity"] = (source_identity,)
    if transitive:
        extra["sts:transitivetagkeys"] = tuple(transitive)
    extra.update(request_tag_keys([{"Key": k, "Value": v} for k, v in all_tags]))
    if mfa_at is not None:
        extra["aws:multifactorauthpresent"] = ("true",)
        extra["aws:multifactorauthage"] = (str(max(0, int(call.request.time - mfa_at))),)

    resources = ResourcePolicies(account=role.account_id, policy=trust_group(role), required=True)
    call.authorize("sts:AssumeRole", role.arn, extra, resources=resources)
    if all_tags or transitive:
        call.authorize("sts:TagSession", role.arn, extra, resources=resources)
    if source_identity is not None and inherited_source is None:
        call.authorize("sts:SetSourceIdentity", role.arn, extra, resources=resources)

    key_id, secret = new_key_pair(role.account_id)
    now = call.request.time
    session = Session(
        kind=SessionKind.ROLE,
        access_key_id=key_id,
        secret_access_key=secret,
        account_id=role.account_id,
        issued_at=now,
        expires_at=now + duration,
        role_id=role.id,
        role_name=role.name,
        role_path=role.path,
        name=p["RoleSessionName"],
        tags=tuple(all_tags),
        transitive_tag_keys=tuple(dict.fromkeys([*transitive, *(k for k, _ in inherited)])),
        source_identity=source_identity or inherited_source,
        mfa_at=mfa_at,
        chained=previous is not None and previous.kind is SessionKind.ROLE,
        policy=p.get("Policy"),
        policy_arns=policy_arns,
        source_ip=call.request.source_ip,
    )
    return role_session_result(call, role, session, packed)
