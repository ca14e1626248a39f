"""GetWebIdentityToken: a signed JWT saying who the caller is, for services outside AWS.

The token is issued by the account's outbound issuer (see
:mod:`rolecall.iam.outbound_federation`) and signed with the server's RS256 or
ES384 key (:mod:`rolecall.sts.outbound_keys`).  Claims follow AWS's reference:
``sub`` is the principal's ARN (for a role session, the *role's* ARN with its
path; the session name appears nowhere), ``aud`` a string for one audience and a
list for several, and AWS's own claims under ``https://sts.amazonaws.com/``.

Federated-user sessions are refused before this runs (see the dispatcher's
session scope).  Checks run in the order observed on AWS: authorization (``sts:GetWebIdentityToken``
on ``arn:aws:sts::ACCOUNT:self``, plus ``sts:TagGetWebIdentityToken`` when Tags
are given), then the session-lifetime check, then whether the feature is on.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt

from rolecall.api.call import Call
from rolecall.api.context import iso, request_tag_keys
from rolecall.api.registry import operation
from rolecall.auth.principal import PrincipalKind
from rolecall.iam import arns
from rolecall.iam.outbound_federation import issuer_url, state
from rolecall.protocol.errors import AWSError, InvalidParameterValue, ValidationError

from ..outbound_keys import KEY_IDS

DEFAULT_DURATION = 300
#: Largest payload AWS was observed to sign (one byte more was refused).
MAX_PAYLOAD_BYTES = 14_984
NAMESPACE = "https://sts.amazonaws.com/"


class JWTPayloadSizeExceededException(AWSError):
    """The token's claims would be too large."""

    code = "JWTPayloadSizeExceededException"
    status = 400


class OutboundWebIdentityFederationDisabledException(AWSError):
    """The account has not enabled outbound identity federation."""

    code = "OutboundWebIdentityFederationDisabledException"
    status = 403


class SessionDurationEscalationException(AWSError):
    """The token would outlive the session that asks for it."""

    code = "SessionDurationEscalationException"
    status = 403


@operation("sts", "GetWebIdentityToken", pre_authorize=False, secret_results=("WebIdentityToken",))
def get_web_identity_token(call: Call) -> dict[str, Any]:
    p = call.params
    principal = call.principal
    audiences: list[str] = list(p["Audience"])
    algorithm: str = p["SigningAlgorithm"]
    if algorithm not in KEY_IDS:
        raise ValidationError(
            "Requested SigningAlgorithm is not supported. See the GetWebIdentityToken "
            "documentation for supported algorithms"
        )
    duration: int = p.get("DurationSeconds") or DEFAULT_DURATION
    tags = [(tag["Key"], tag["Value"]) for tag in p.get("Tags") or []]
    if len({k.lower() for k, _ in tags}) != len(tags):
        raise InvalidParameterValue(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )
    resource = f"arn:{arns.PARTITION}:sts::{principal.account_id}:self"
    keys = {
        "sts:identitytokenaudience": tuple(audiences),
        "sts:durationseconds": (str(duration),),
        "sts:signingalgorithm": (algorithm,),
    }
    call.authorize("sts:GetWebIdentityToken", resource, keys)
    if tags:
        tag_keys = request_tag_keys([{"Key": k, "Value": v} for k, v in tags])
        call.authorize("sts:TagGetWebIdentityToken", resource, {**keys, **tag_keys})

    now = call.request.time
    session = principal.session
    if session is not None and now + duration > session.expires_at:
        raise SessionDurationEscalationException(
            "Requested token expiry time must be before the original session's expiry time."
        )
    with call.runtime.store.read() as conn:
        found = state(conn, principal.account_id)
    if found is None or not found.enabled:
        raise OutboundWebIdentityFederationDisabledException(
            "OutboundWebIdentityFederation is disabled."
        )

    subject = _subject(call)
    issued = int(now)
    claims: dict[str, Any] = {
        "aud": audiences[0] if len(audiences) == 1 else audiences,
        "sub": subject,
        NAMESPACE: _aws_claims(call, subject, tags),
        "iss": issuer_url(call.runtime.settings.public_url, found.issuer_id),
        "exp": issued + duration,
        "iat": issued,
        "jti": str(uuid.uuid4()),
    }
    if len(json.dumps(claims, separators=(",", ":")).encode()) > MAX_PAYLOAD_BYTES:
        raise JWTPayloadSizeExceededException("JWT payload exceeds maximum allowed size")
    kid, key = call.runtime.outbound_keys.private_key(found.issuer_id, algorithm)
    token = jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid, "typ": "JWT"})
    return {
        "WebIdentityToken": token,
        "Expiration": datetime.fromtimestamp(now + duration, UTC),
    }


def _subject(call: Call) -> str:
    """The principal's ARN; for a role session, the role's (with its path)."""
    principal = call.principal
    if principal.kind is PrincipalKind.ASSUMED_ROLE:
        return arns.role_arn(principal.account_id, principal.path, principal.name)
    return principal.arn


def _aws_claims(call: Call, subject: str, tags: list[tuple[str, str]]) -> dict[str, Any]:
    principal = call.principal
    out: dict[str, Any] = {
        "aws_account": principal.account_id,
        "source_region": call.request.region,
        "principal_id": subject,
    }
    if principal.tags:
        out["principal_tags"] = dict(principal.tags)
    if tags:
        out["request_tags"] = dict(tags)
    session = principal.session
    if session is not None:
        out["original_session_exp"] = iso(session.expires_at)
        if session.source_identity:
            out["source_identity"] = session.source_identity
        if session.federated_provider:
            out["federated_provider"] = session.federated_provider
    return out
