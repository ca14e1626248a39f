"""The global condition keys of a request.

AWS puts these in every request context ("AWS global condition context keys"):
time, source IP, transport, the principal's ARN/account/type/tags, ``aws:userid``
and ``aws:username``, MFA facts and token issue time for temporary credentials,
the requested region, source identity.  Operation-specific keys (request tags,
``iam:PolicyARN``...) are added per operation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from rolecall.auth.principal import Principal, PrincipalKind
from rolecall.iam import arns
from rolecall.policy import RequestContext


def iso(ts: float) -> str:
    """AWS's ISO 8601 form of a timestamp (``2026-11-23T10:00:00Z``)."""
    return _iso_second(int(ts))


@lru_cache(maxsize=64)
def _iso_second(second: int) -> str:
    # Every request formats "now": once per second is enough.
    return datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_values(
    now: float, source_ip: str, secure: bool, region: str, user_agent: str | None
) -> dict[str, tuple[str, ...]]:
    """The keys that describe the request itself, whoever makes it."""
    values: dict[str, tuple[str, ...]] = {
        "aws:currenttime": (iso(now),),
        "aws:epochtime": (str(int(now)),),
        "aws:sourceip": (source_ip,),
        "aws:securetransport": ("true" if secure else "false",),
        "aws:requestedregion": (region,),
        "aws:principalisawsservice": ("false",),
        "aws:viaawsservice": ("false",),
    }
    if user_agent:
        values["aws:useragent"] = (user_agent,)
    return values


def anonymous_context(
    *, now: float, source_ip: str, secure: bool, region: str, user_agent: str | None
) -> RequestContext:
    """The global keys of a request no credential signed (before its token is verified)."""
    return RequestContext(_request_values(now, source_ip, secure, region, user_agent))


def global_context(
    principal: Principal,
    *,
    now: float,
    source_ip: str,
    secure: bool,
    region: str,
    user_agent: str | None,
    principal_tags: tuple[tuple[str, str], ...],
) -> RequestContext:
    """Build the request context every policy evaluation of this request starts from."""
    values = _request_values(now, source_ip, secure, region, user_agent)
    values["aws:principalaccount"] = (principal.account_id,)
    values["aws:principaltype"] = (_principal_type(principal),)
    values["aws:userid"] = (principal.userid,)
    if principal.kind is PrincipalKind.ASSUMED_ROLE:
        # For a role session aws:PrincipalArn is the role's ARN, not the session's.
        values["aws:principalarn"] = (
            arns.role_arn(principal.account_id, principal.path, principal.name),
        )
    else:
        values["aws:principalarn"] = (principal.arn,)
    if principal.kind is PrincipalKind.USER:
        values["aws:username"] = (principal.name,)
    session = principal.session
    if session is not None:
        values["aws:tokenissuetime"] = (iso(session.issued_at),)
        values["aws:multifactorauthpresent"] = ("true" if session.mfa_at is not None else "false",)
        if session.mfa_at is not None:
            values["aws:multifactorauthage"] = (str(max(0, int(now - session.mfa_at))),)
        if session.source_identity:
            values["aws:sourceidentity"] = (session.source_identity,)
        if session.federated_provider:
            values["aws:federatedprovider"] = (session.federated_provider,)
        for federation_key, federation_values in session.federation_keys:
            values[federation_key] = federation_values
    for key, value in principal_tags:
        values[f"aws:principaltag/{key.lower()}"] = (value,)
    return RequestContext(values)


def _principal_type(principal: Principal) -> str:
    return {
        PrincipalKind.ROOT: "Account",
        PrincipalKind.USER: "User",
        PrincipalKind.ASSUMED_ROLE: "AssumedRole",
        PrincipalKind.FEDERATED_USER: "FederatedUser",
        PrincipalKind.WEB_IDENTITY_USER: "WebIdentityUser",
        PrincipalKind.SAML_USER: "SAMLUser",
        PrincipalKind.UNKNOWN: "Anonymous",
    }[principal.kind]


def request_tag_keys(tags: list[dict[str, str]] | None) -> dict[str, tuple[str, ...]]:
    """``aws:RequestTag/<key>`` and ``aws:TagKeys`` for a request's ``Tags`` list."""
    if not tags:
        return {}
    out: dict[str, tuple[str, ...]] = {
        f"aws:requesttag/{t['Key'].lower()}": (t["Value"],) for t in tags
    }
    out["aws:tagkeys"] = tuple(t["Key"] for t in tags)
    return out


def resource_tag_keys(
    tags: tuple[tuple[str, str], ...], *, iam: bool = True
) -> dict[str, tuple[str, ...]]:
    """``aws:ResourceTag/<key>`` (and ``iam:ResourceTag/<key>``) for a resource's tags."""
    out: dict[str, tuple[str, ...]] = {}
    for key, value in tags:
        out[f"aws:resourcetag/{key.lower()}"] = (value,)
        if iam:
            out[f"iam:resourcetag/{key.lower()}"] = (value,)
    return out
