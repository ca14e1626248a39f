"""What AssumeRoleWithWebIdentity and AssumeRoleWithSAML share.

Both hand a role's credentials to someone an identity provider vouches for.  No
IAM identity signs the request, so the role's trust policy alone decides: it must
name the provider as a ``Federated`` principal (the caller has no identity-based
policies that a trust policy naming the account could delegate to).  Session
tags, transitive tag keys and the source identity come from the token or
assertion, never from parameters, and need ``sts:TagSession`` and
``sts:SetSourceIdentity`` in the trust policy as they do for AssumeRole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rolecall.api.call import Call
from rolecall.api.context import request_tag_keys
from rolecall.auth.principal import Principal, Session, SessionKind
from rolecall.iam.records import RoleRecord
from rolecall.policy import PrincipalPolicies, ResourcePolicies, policy_group
from rolecall.protocol.errors import AccessDenied, InvalidParameterValue

from .errors import InvalidIdentityToken
from .ops.assume_role import find_role, trust_group
from .sessions import (
    check_session_policies,
    check_tags,
    new_key_pair,
    packed_size,
    role_session_result,
)

#: The callers have no identity-based policies: only the trust policy can let them in.
NO_IDENTITY_POLICIES = PrincipalPolicies(identity=policy_group([]))
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_TAG_TEXT = re.compile(r"[\w\s.:/=+\-@]*")


def denied(action: str) -> AccessDenied:
    """AWS's refusal for these operations (it names neither the caller nor the role)."""
    return AccessDenied(f"Not authorized to perform {action}")


def target_role(call: Call, action: str) -> RoleRecord:
    """The role ``RoleArn`` names; AccessDenied if there is none."""
    role = find_role(call, call.params["RoleArn"])
    if role is None:
        raise denied(action)
    call.touch("role", role.arn)
    return role


def check_source_identity(value: str) -> None:
    """AWS's rule for a source identity supplied by an identity provider."""
    if not _SESSION_NAME.fullmatch(value) or value.lower().startswith("aws:"):
        raise InvalidIdentityToken(
            'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"'
        )


def check_idp_tags(tags: Sequence[tuple[str, str]], transitive: Sequence[str]) -> None:
    """Session tags supplied by an identity provider: AWS's tag rules.

    A request's Tags were checked against the model's patterns; tags from a
    token or assertion were not, so their form is checked here first.  Every
    refusal is InvalidIdentityToken: the fault is in what the provider sent.
    """
    for key, value in tags:
        if not 1 <= len(key) <= 128 or not _TAG_TEXT.fullmatch(key):
            raise InvalidIdentityToken(f"Session tag key {key!r} is not a valid tag key.")
        if len(value) > 256 or not _TAG_TEXT.fullmatch(value):
            raise InvalidIdentityToken(
                f"The value of session tag {key!r} is not a valid tag value."
            )
        if key.lower().startswith("aws:"):
            raise InvalidIdentityToken("Session tag keys can't start with 'aws:'.")
    try:
        check_tags([{"Key": k, "Value": v} for k, v in tags], transitive)
    except InvalidParameterValue as exc:
        raise InvalidIdentityToken(exc.message) from None


@dataclass(frozen=True, slots=True)
class FederatedSession:
    """A verified request for a role session, ready to be authorized and minted."""

    #: ``sts:AssumeRoleWithWebIdentity`` or ``sts:AssumeRoleWithSAML``
    action: str
    role: RoleRecord
    #: the WebIdentityUser or SAMLUser the provider vouched for
    caller: Principal
    session_name: str
    duration: int
    #: the IAM provider's ARN, and "oidc" or "saml"
    provider_arn: str
    federation: str
    #: condition keys the token or assertion supplies (``<provider>:sub``, ``saml:iss``...)
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: those of ``keys`` the session keeps for its permission policies
    session_keys: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None


def assume(call: Call, request: FederatedSession) -> dict[str, Any]:
    """Authorize ``request`` against the role's trust policy and mint its credentials.

    Returns the ``Credentials``, ``AssumedRoleUser``, ``PackedPolicySize`` and
    ``SourceIdentity`` members of the result.
    """
    p = call.params
    role = request.role
    # From here on the audit record and any refusal name the verified caller.
    call.principal = request.caller
    check_session_policies(
        call.view_of(role.account_id),
        p.get("Policy"),
        [a["arn"] for a in p.get("PolicyArns") or []],
    )
    policy_arns = tuple(a["arn"] for a in p.get("PolicyArns") or [])
    packed = packed_size(p.get("Policy"), policy_arns, request.tags)

    extra: dict[str, tuple[str, ...]] = dict(request.keys)
    extra["sts:rolesessionname"] = (request.session_name,)
    if request.source_identity is not None:
        extra["sts:sourceidentity"] = (request.source_identity,)
    if request.transitive_tag_keys:
        extra["sts:transitivetagkeys"] = request.transitive_tag_keys
    extra.update(request_tag_keys([{"Key": k, "Value": v} for k, v in request.tags]))
    resources = ResourcePolicies(account=role.account_id, policy=trust_group(role), required=True)
    wanted = [request.action]
    if request.tags or request.transitive_tag_keys:
        wanted.append("sts:TagSession")
    if request.source_identity is not None:
        wanted.append("sts:SetSourceIdentity")
    for action in wanted:
        decision = call.decide(
            action, role.arn, extra, resources=resources, principal=NO_IDENTITY_POLICIES
        )
        if not decision.allowed:
            call.denial = decision
            raise denied(request.action)

    key_id, secret = new_key_pair(role.account_id)
    now = call.request.time
    session = Session(
        kind=SessionKind.ROLE,
        access_key_id=key_id,
        secret_access_key=secret,
        account_id=role.account_id,
        issued_at=now,
        expires_at=now + request.duration,
        role_id=role.id,
        role_name=role.name,
        role_path=role.path,
        name=request.session_name,
        tags=request.tags,
        transitive_tag_keys=request.transitive_tag_keys,
        source_identity=request.source_identity,
        policy=p.get("Policy"),
        policy_arns=policy_arns,
        source_ip=call.request.source_ip,
        federated_provider=request.provider_arn,
        federation=request.federation,
        federation_keys=tuple(
            (k, request.keys[k]) for k in request.session_keys if k in request.keys
        ),
    )
    return role_session_result(call, role, session, packed)
