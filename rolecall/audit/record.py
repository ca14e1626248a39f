"""Build CloudTrail-format event records.

Field names and shapes follow the CloudTrail record contents reference:
``eventVersion``, ``userIdentity`` (``type``, ``principalId``, ``arn``,
``accountId``, ``accessKeyId``, ``userName``, ``sessionContext``), ``eventTime``,
``eventSource``, ``eventName``, ``awsRegion``, ``sourceIPAddress``, ``userAgent``,
``requestParameters``, ``responseElements``, ``errorCode``, ``errorMessage``,
``requestID``, ``eventID``, ``readOnly``, ``resources``, ``eventType``,
``managementEvent``, ``recipientAccountId``, ``eventCategory``.  Parameter and
result member names are lower-camel-cased as CloudTrail prints them.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from rolecall.api.context import iso
from rolecall.auth.principal import Principal, PrincipalKind
from rolecall.iam import arns

from .redact import HIDDEN, SECRET_MEMBERS

EVENT_VERSION = "1.09"

_RESOURCE_TYPES = {
    "user": "AWS::IAM::User",
    "role": "AWS::IAM::Role",
    "group": "AWS::IAM::Group",
    "policy": "AWS::IAM::Policy",
    "instance-profile": "AWS::IAM::InstanceProfile",
    "access-key": "AWS::IAM::AccessKey",
    "mfa": "AWS::IAM::MFADevice",
    "oidc-provider": "AWS::IAM::OIDCProvider",
    "saml-provider": "AWS::IAM::SAMLProvider",
}


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """A finished record plus the columns it is indexed by."""

    event_id: str
    account_id: str
    event_time: datetime
    event_source: str
    event_name: str
    principal_arn: str | None
    access_key_id: str | None
    error_code: str | None
    read_only: bool
    record: dict[str, Any]


def cloudtrail_elements(value: Any, secret: frozenset[str]) -> Any:
    """Request parameters or response elements as CloudTrail prints them.

    Keys are lower-camel-cased, datetimes formatted, binary dropped, and every
    member named in ``secret`` replaced by :data:`~rolecall.audit.redact.HIDDEN` —
    in one pass, since this runs for every call.
    """
    if isinstance(value, dict):
        return {
            k[:1].lower() + k[1:]: (HIDDEN if k in secret else cloudtrail_elements(v, secret))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [cloudtrail_elements(v, secret) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bytes):
        return None
    return value


def user_identity(principal: Principal | None, access_key_id: str | None) -> dict[str, Any]:
    """CloudTrail's ``userIdentity`` for a principal (or an unauthenticated caller)."""
    if principal is None or principal.kind is PrincipalKind.UNKNOWN:
        out: dict[str, Any] = {"type": "Unknown"}
        if access_key_id:
            out["accessKeyId"] = access_key_id
        return out
    if principal.kind in (PrincipalKind.WEB_IDENTITY_USER, PrincipalKind.SAML_USER):
        # Vouched for by an identity provider: no ARN, no account of their own.
        return {
            "type": principal.kind.value,
            "principalId": principal.principal_id,
            "userName": principal.name,
            "identityProvider": principal.identity_provider,
        }
    out = {
        "type": principal.kind.value,
        "principalId": principal.principal_id,
        "arn": principal.arn,
        "accountId": principal.account_id,
    }
    if principal.access_key_id:
        out["accessKeyId"] = principal.access_key_id
    if principal.kind is PrincipalKind.USER:
        out["userName"] = principal.name
    session = principal.session
    if session is not None:
        context: dict[str, Any] = {
            "attributes": {
                "creationDate": datetime.fromtimestamp(session.issued_at, UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "mfaAuthenticated": "true" if session.mfa_at is not None else "false",
            }
        }
        if principal.kind is PrincipalKind.ASSUMED_ROLE:
            context["sessionIssuer"] = {
                "type": "Role",
                "principalId": principal.role_id,
                "arn": arns.role_arn(principal.account_id, principal.path, principal.name),
                "accountId": principal.account_id,
                "userName": principal.name,
            }
        elif principal.kind is PrincipalKind.FEDERATED_USER and session.user_id:
            context["sessionIssuer"] = {
                "type": "IAMUser",
                "principalId": session.user_id,
                "arn": arns.user_arn(
                    principal.account_id, session.user_path or "/", session.user_name or ""
                ),
                "accountId": principal.account_id,
                "userName": session.user_name,
            }
        if session.federation == "oidc":
            context["webIdFederationData"] = {
                "federatedProvider": session.federated_provider,
                "attributes": {},
            }
        if session.source_identity:
            context["sourceIdentity"] = session.source_identity
        out["sessionContext"] = context
    return out


class AuditFacts(NamedTuple):
    """What happened in one call: cheap to gather on the request path, cheap to pickle.

    The CloudTrail record itself is built from these by the writer
    (:func:`event_from`), off the request path.
    """

    service: str
    operation: str
    time: float
    region: str
    source_ip: str
    user_agent: str | None
    request_id: str
    identity: dict[str, Any]
    principal_arn: str | None
    account: str
    access_key_id: str | None
    read_only: bool
    params: dict[str, Any] | None
    result: Any
    error_code: str | None
    error_message: str | None
    resources: list[tuple[str, str]]
    secret_params: frozenset[str]
    secret_results: frozenset[str]


def build_facts(
    *,
    service: str,
    operation: str,
    time: float,
    region: str,
    source_ip: str,
    user_agent: str | None,
    request_id: str,
    principal: Principal | None,
    access_key_id: str | None,
    recipient_account: str | None,
    read_only: bool,
    params: dict[str, Any] | None,
    result: Any,
    error_code: str | None,
    error_message: str | None,
    resources: list[tuple[str, str]],
    secret_params: frozenset[str] = frozenset(),
    secret_results: frozenset[str] = frozenset(),
    with_response: bool = True,
    identity: dict[str, Any] | None = None,
) -> AuditFacts:
    """The facts of one call.

    ``with_response`` false leaves ``responseElements`` null, as CloudTrail does for
    read-only calls.  ``identity``, when given, is ``user_identity(principal,
    access_key_id)`` computed earlier (callers may reuse it: it is never modified).
    """
    return AuditFacts(
        service=service,
        operation=operation,
        time=time,
        region=region,
        source_ip=source_ip,
        user_agent=user_agent,
        request_id=request_id,
        identity=identity if identity is not None else user_identity(principal, access_key_id),
        principal_arn=(principal.arn or None) if principal else None,
        account=recipient_account or (principal.account_id if principal else ""),
        access_key_id=access_key_id,
        read_only=read_only,
        params=params,
        result=result if with_response else None,
        error_code=error_code,
        error_message=error_message,
        resources=resources,
        secret_params=secret_params,
        secret_results=secret_results,
    )


def event_id(time: float) -> str:
    """A random UUID whose first 48 bits are the time in milliseconds.

    Time-ordered ids keep the primary-key index append-only, which makes the
    insert of every audit record cheaper than a uniformly random id would.
    """
    value = (int(time * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


def event_from(facts: AuditFacts) -> AuditEvent:
    """The CloudTrail record for ``facts`` (secrets redacted)."""
    account = facts.account
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": facts.identity,
        "eventTime": iso(facts.time),
        "eventSource": f"{facts.service}.amazonaws.com",
        "eventName": facts.operation,
        "awsRegion": facts.region,
        "sourceIPAddress": facts.source_ip,
        "userAgent": facts.user_agent or "",
        "requestParameters": cloudtrail_elements(facts.params, SECRET_MEMBERS | facts.secret_params)
        if facts.params
        else None,
        "responseElements": cloudtrail_elements(facts.result, SECRET_MEMBERS | facts.secret_results)
        if facts.result
        else None,
        "requestID": facts.request_id,
        "eventID": event_id(facts.time),
        "readOnly": facts.read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if facts.error_code:
        record["errorCode"] = facts.error_code
        record["errorMessage"] = facts.error_message
    if facts.resources:
        record["resources"] = [
            {"accountId": account, "type": _RESOURCE_TYPES.get(kind, kind), "ARN": arn}
            for kind, arn in facts.resources
        ]
    return AuditEvent(
        event_id=record["eventID"],
        account_id=account,
        event_time=datetime.fromtimestamp(facts.time, UTC),
        event_source=record["eventSource"],
        event_name=facts.operation,
        principal_arn=facts.principal_arn,
        access_key_id=facts.access_key_id,
        error_code=facts.error_code,
        read_only=facts.read_only,
        record=record,
    )
